/**
 * The top functions of a V8 CPU profile by self time, with file:line (mapped back to the .ts sources through the
 * source maps next to dist/ files), then self time per file.
 *
 *   node --cpu-prof --cpu-prof-dir=bench/out dist/source/cli.js --yes --dry-run --idsite=1 FILE
 *   node --import tsx bench/top-functions.ts bench/out/CPU.….cpuprofile [N=25]
 */
import fs from 'node:fs';
import {SourceMap} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
	columnNumber: number;
}
interface ProfileNode {
	id: number;
	callFrame: CallFrame;
}
interface Profile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [file, count = '25'] = process.argv.slice(2);
if (!file) {
	process.stderr.write('usage: node --import tsx bench/top-functions.ts FILE.cpuprofile [N]\n');
	process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;

const maps = new Map<string, SourceMap | null>();
function sourceMapOf(url: string): SourceMap | null {
	if (!maps.has(url)) {
		const mapFile = `${fileURLToPath(url)}.map`;
		maps.set(url, fs.existsSync(mapFile) ? new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8'))) : null);
	}
	return maps.get(url)!;
}

/** `file:line` (1-based), in the .ts source when a source map says where. */
function location(frame: CallFrame): string {
	const {url, lineNumber, columnNumber} = frame;
	if (!url) return '';
	if (!url.startsWith('file:')) return `${url}:${lineNumber + 1}`;
	const entry = sourceMapOf(url)?.findEntry(lineNumber, columnNumber) as {originalSource?: string; originalLine?: number} | undefined;
	if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
		const source = entry.originalSource.startsWith('file:')
			? fileURLToPath(entry.originalSource)
			: path.resolve(path.dirname(fileURLToPath(url)), entry.originalSource);
		return `${path.relative(ROOT, source)}:${entry.originalLine + 1}`;
	}
	return `${path.relative(ROOT, fileURLToPath(url))}:${lineNumber + 1}`;
}

// Sample i lasts until sample i+1 (as Chrome DevTools counts it).
const selfById = new Map<number, number>();
const {samples, timeDeltas} = profile;
for (let i = 0; i < samples.length; i++) {
	selfById.set(samples[i], (selfById.get(samples[i]) ?? 0) + (timeDeltas[i + 1] ?? 0));
}

const byFunction = new Map<string, {name: string; where: string; micros: number}>();
const byFile = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
	const micros = selfById.get(node.id) ?? 0;
	if (micros === 0) continue;
	total += micros;
	const where = location(node.callFrame);
	const fullName = node.callFrame.functionName || (where ? '(anonymous)' : '(root)');
	// Irregexp code shows as `RegExp: <source>`: keep the start, enough to tell which regex.
	const name = fullName.length > 70 ? `${fullName.slice(0, 69)}…` : fullName;
	const key = `${name} ${where}`;
	const entry = byFunction.get(key) ?? {name, where, micros: 0};
	entry.micros += micros;
	byFunction.set(key, entry);
	const fileKey = where ? where.replace(/:\d+$/, '') : fullName.startsWith('RegExp: ') ? '(regular expressions)' : name;
	byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + micros);
}

const ms = (micros: number) => (micros / 1000).toFixed(1);
const pct = (micros: number) => ((100 * micros) / total).toFixed(1);
const lines = [`Profile ${path.basename(file)}: ${ms(total)} ms sampled`, '', '| # | self ms | self % | function | where |', '|--:|--:|--:|---|---|'];
[...byFunction.values()]
	.sort((a, b) => b.micros - a.micros)
	.slice(0, Number(count))
	.forEach((f, i) => void lines.push(`| ${i + 1} | ${ms(f.micros)} | ${pct(f.micros)} | ${f.name} | ${f.where} |`));
lines.push('', '| self ms | self % | file |', '|--:|--:|---|');
for (const [name, micros] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 25)) lines.push(`| ${ms(micros)} | ${pct(micros)} | ${name} |`);
process.stdout.write(lines.join('\n') + '\n');
