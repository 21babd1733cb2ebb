/**
 * What the engine could reach: the same log read with the project's own pieces, one layer more at each step.
 *
 *   node --import tsx bench/floor.ts [FILE] [--mode start|read|lines|regex|ascii|parse|engine]
 *
 * FILE defaults to the benchmark's 1M-line log (generated on first use).
 *
 * start:  nothing (the RSS of Node with tsx, the floor of this script's RSS column)
 * read:   openInput's chunks, nothing else (the disk / page cache)
 * lines:  + readLines (split, decode, offsets), counting lines
 * regex:  + the ncsa_extended regex as translated from Python (Unicode classes, `u` flag, named groups), `exec` on each line
 * ascii:  + the same pattern for ASCII lines only (Python's \s, \S, \w, \d spelled in ASCII, no `u` flag): equivalent
 *         on lines without non-ASCII characters, which the line reader already detects per chunk
 * parse:  + the format's parse() (its own regex and fields object), as the engine calls it
 * engine: the whole dry run (ImportRun) in this process: the CLI minus process start-up and output
 *
 * Without --mode, each mode runs in a fresh process (cold JIT, own peak RSS, 300 s timeout) and a table is printed.
 * Times are measured inside the process, from opening the file to the last line; start-up is not included.
 */
import {spawnSync} from 'node:child_process';
import {rmSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {formatByName} from '../formats/index.js';
import {translatePythonRegex} from '../source/parse/python-regex.js';
import {NCSA_EXTENDED_LOG_FORMAT} from '../source/parse/regex-parser.js';
import {readLines} from '../source/input/line-reader.js';
import {openInput} from '../source/input/open-input.js';
import type {FormatOptions} from '../source/parse/format.js';
import {ensureLog, OUT_DIR} from './generate-log.js';
import {settle} from './machine.js';

const MODES = ['start', 'read', 'lines', 'regex', 'ascii', 'parse', 'engine'] as const;
type Mode = (typeof MODES)[number];

const {values, positionals} = parseArgs({options: {mode: {type: 'string'}}, allowPositionals: true});
const file = positionals[0] ?? ensureLog(1_000_000);

/** A Python pattern without classes that hold \s/\S/\d, as an ASCII-only JavaScript regex (Python's str `\s` includes \x1c-\x1f). */
function asciiRegex(pattern: string): RegExp {
	const source = pattern
		.replaceAll('(?P<', '(?<')
		.replaceAll('\\s', '[\\t-\\r\\x1c-\\x20]')
		.replaceAll('\\S', '[^\\t-\\r\\x1c-\\x20]')
		.replaceAll('\\d', '[0-9]')
		.replaceAll('.*?', '[^\\n]*?');
	return new RegExp(`^(?:${source})`);
}

async function measure(mode: Mode): Promise<{lines: number; seconds: number}> {
	const started = performance.now();
	let lines = 0;
	if (mode === 'engine') {
		const {parseArgv} = await import('../source/options/argv.js');
		const {buildConfig} = await import('../source/options/config.js');
		const {ImportRun} = await import('../source/run/import-run.js');
		const parsed = parseArgv(['--yes', '--dry-run', '--idsite=1', file], import.meta);
		const begin = performance.now();
		const outcome = await new ImportRun(buildConfig(parsed.given, parsed.files)).run();
		return {lines: outcome.state.counters.linesRead, seconds: (performance.now() - begin) / 1000};
	}
	if (mode === 'start') return {lines: 0, seconds: 0};
	const input = await openInput({id: 0, path: file, displayName: file});
	if (mode === 'read') {
		for await (const chunk of input.chunks) lines += chunk.length; // bytes, for this mode
	} else {
		const parser = formatByName('ncsa_extended')!.create({} as FormatOptions, []);
		if (!parser) throw new Error('no ncsa_extended parser');
		const translated = translatePythonRegex(NCSA_EXTENDED_LOG_FORMAT);
		const regex = mode === 'ascii' ? asciiRegex(NCSA_EXTENDED_LOG_FORMAT) : new RegExp(`^(?:${translated.source})`, translated.flags);
		let matched = 0;
		for await (const batch of readLines(input)) {
			if (mode === 'lines') {
				lines += batch.lines.length;
			} else if (mode === 'regex' || mode === 'ascii') {
				for (const line of batch.lines) if (regex.exec(line) !== null) matched++;
			} else {
				for (const line of batch.lines) if (parser.parse(line) !== null) matched++;
			}
		}
		if (mode !== 'lines') lines = matched;
	}
	await input.close();
	return {lines, seconds: (performance.now() - started) / 1000};
}

if (values.mode !== undefined) {
	const mode = values.mode as Mode;
	if (!MODES.includes(mode)) throw new Error(`--mode: one of ${MODES.join(', ')}`);
	const result = await measure(mode);
	process.stdout.write(`${JSON.stringify({...result, maxRssMB: process.resourceUsage().maxRSS / 1024})}\n`);
} else {
	const self = fileURLToPath(import.meta.url);
	const out = [`floor for ${file}`, '', '| mode | s | lines/s | count | peak RSS MB |', '|---|--:|--:|--:|--:|'];
	for (const mode of MODES) {
		await settle(30);
		// The engine mode must not resume from (or write) the user's checkpoints.
		const env = {...process.env, XDG_STATE_HOME: join(OUT_DIR, 'state-floor')};
		const child = spawnSync(process.execPath, ['--import', 'tsx', self, file, '--mode', mode], {encoding: 'utf8', env, timeout: 300_000});
		rmSync(env.XDG_STATE_HOME, {recursive: true, force: true});
		if (child.status !== 0) {
			out.push(`| ${mode} | failed: ${child.signal ?? child.status} ${child.stderr.trim().split('\n').pop() ?? ''} | | | |`);
			continue;
		}
		const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as {lines: number; seconds: number; maxRssMB: number};
		const rate =
			mode === 'start'
				? '–'
				: mode === 'read'
					? `${(r.lines / 2 ** 20 / r.seconds).toFixed(0)} MiB/s`
					: Math.round(r.lines / r.seconds).toLocaleString('en-US');
		out.push(`| ${mode} | ${r.seconds.toFixed(2)} | ${rate} | ${r.lines.toLocaleString('en-US')} | ${r.maxRssMB.toFixed(0)} |`);
	}
	process.stdout.write(out.join('\n') + '\n');
}
