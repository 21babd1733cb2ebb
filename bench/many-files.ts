/**
 * Logs for the "many files" and "re-run over imported files" rows of `npm run bench`: the lines of one generated log
 * split into many small files (CloudFront, ALB and S3 deliver tens of thousands of small .gz a day), and a gzipped
 * copy of a log. Generated once, beside the other logs in bench/out/.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {ensureLog, OUT_DIR} from './generate-log.js';

/** `3000x100` → 3,000 files of 100 lines. */
export function parseManySpec(spec: string): {files: number; perFile: number} {
	const match = /^(\d+)x(\d+)$/.exec(spec.trim());
	if (!match) throw new Error(`--many needs FILESxLINES (e.g. 3000x100), got '${spec}'`);
	return {files: Number(match[1]), perFile: Number(match[2])};
}

/** The directory of `files` files of `perFile` lines each (the first lines of the generated log); returns a glob. */
export function ensureManyFiles(files: number, perFile: number): string {
	const dir = path.join(OUT_DIR, `many-${files}x${perFile}`);
	const done = path.join(dir, '.complete');
	if (!fs.existsSync(done)) {
		fs.rmSync(dir, {recursive: true, force: true});
		fs.mkdirSync(dir, {recursive: true});
		const lines = fs.readFileSync(ensureLog(files * perFile), 'utf8').split('\n');
		const width = String(files - 1).length;
		for (let i = 0; i < files; i++) {
			fs.writeFileSync(path.join(dir, `part-${String(i).padStart(width, '0')}.log`), lines.slice(i * perFile, (i + 1) * perFile).join('\n') + '\n');
		}
		fs.writeFileSync(done, '');
	}
	return path.join(dir, 'part-*.log');
}

/** A gzipped copy of the generated log of `lines` lines. */
export function ensureGzipped(lines: number): string {
	const plain = ensureLog(lines);
	const gz = `${plain}.gz`;
	if (!fs.existsSync(gz) || fs.statSync(gz).mtimeMs < fs.statSync(plain).mtimeMs) {
		fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(plain), {level: 6}));
	}
	return gz;
}
