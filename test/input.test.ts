import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {chmod, mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {gzipSync} from 'node:zlib';
import {expandInputs} from '../source/input/expand-inputs.js';
import {readLines} from '../source/input/line-reader.js';
import {openInput, type OpenInputOptions} from '../source/input/open-input.js';
import type {InputSpec, OpenedInput} from '../source/input/types.js';

const BZIP2 = '/usr/bin/bzip2';
const hasBzip2 = existsSync(BZIP2);
const isRoot = process.getuid?.() === 0;

let dir: string;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'mli-input-'));
});
after(async () => {
	await rm(dir, {recursive: true, force: true});
});

function spec(path: string, id = 0): InputSpec {
	return {id, path, displayName: path === '-' ? '(stdin)' : path};
}

/** `count` access-log-like lines, numbered, so that a missing or duplicated line shows. */
function logText(count: number, eol = '\n'): string {
	let text = '';
	for (let i = 0; i < count; i++) {
		text += `10.0.${i % 256}.${i % 100} - - [10/Oct/2023:13:55:${String(i % 60).padStart(2, '0')} +0000] "GET /page/${i} HTTP/1.1" 200 ${i}${eol}`;
	}
	return text;
}

function bzip2(data: Buffer): Buffer {
	const result = spawnSync(BZIP2, ['-c', '-9'], {input: data, maxBuffer: 1 << 30});
	assert.equal(result.status, 0, String(result.stderr));
	return result.stdout;
}

async function readAll(input: OpenedInput): Promise<Buffer> {
	const parts: Buffer[] = [];
	for await (const chunk of input.chunks) parts.push(chunk);
	return Buffer.concat(parts);
}

async function lines(path: string, options: OpenInputOptions = {}) {
	const input = await openInput(spec(path), options);
	const all: string[] = [];
	const ends: number[] = [];
	for await (const batch of readLines(input, {baseOffset: options.startOffset})) {
		all.push(...batch.lines);
		ends.push(...batch.ends);
	}
	await input.close();
	return {input, lines: all, ends};
}

describe('expandInputs', () => {
	let cwd: string;
	before(async () => {
		cwd = process.cwd();
		const root = join(dir, 'glob');
		await mkdir(join(root, 'sub'), {recursive: true});
		await mkdir(join(root, 'dir.log'));
		for (const name of ['b.log', 'a.log', 'B.log', 'é.log', 'z.log', '.hidden.log', 'c[1].log', 'sub/x.log']) {
			await writeFile(join(root, name), 'x\n');
		}
		process.chdir(root);
	});
	after(() => process.chdir(cwd));

	test('globs are expanded per argument, sorted by code point, files only, no hidden files', async () => {
		const {inputs, problems} = await expandInputs(['*.log', 'sub/*']);
		assert.deepEqual(
			inputs.map(i => i.path),
			['B.log', 'a.log', 'b.log', 'c[1].log', 'z.log', 'é.log', 'sub/x.log'],
		);
		assert.deepEqual(
			inputs.map(i => i.id),
			[0, 1, 2, 3, 4, 5, 6],
		);
		assert.deepEqual(problems, []);
	});

	test('arguments keep their order; - is stdin; an explicit dot pattern matches hidden files', async () => {
		const {inputs, notes} = await expandInputs(['z.log', '-', '?.log', '.*.log']);
		assert.deepEqual(
			inputs.map(i => [i.path, i.displayName]),
			[
				['z.log', 'z.log'],
				['-', '(stdin)'],
				['B.log', 'B.log'],
				['a.log', 'a.log'],
				['b.log', 'b.log'],
				['é.log', 'é.log'],
				['.hidden.log', '.hidden.log'],
			],
		);
		// z.log named and matched by the glob: once.
		assert.deepEqual(notes, ['z.log: named more than once, imported once']);
	});

	test('an existing file is used as is, even with glob characters in its name', async () => {
		const {inputs} = await expandInputs(['c[1].log']);
		assert.deepEqual(
			inputs.map(i => i.path),
			['c[1].log'],
		);
	});

	test('absolute patterns give absolute paths; ./ is kept', async () => {
		const root = process.cwd();
		const abs = await expandInputs([join(root, '[ab].log')]);
		assert.deepEqual(
			abs.inputs.map(i => i.path),
			[join(root, 'a.log'), join(root, 'b.log')],
		);
		const dot = await expandInputs(['./[ab].log']);
		assert.deepEqual(
			dot.inputs.map(i => i.path),
			['./a.log', './b.log'],
		);
	});

	test('missing files, patterns without match and directories are problems; the others are still imported', async () => {
		const {inputs, problems} = await expandInputs(['missing.log', 'a.log', '*.gz', 'dir.log', 'sub']);
		assert.deepEqual(
			inputs.map(i => [i.id, i.path]),
			[[0, 'a.log']],
		);
		assert.deepEqual(problems, ['file not found: missing.log', "no file matches '*.gz'", 'dir.log: is a directory', 'sub: is a directory']);
	});

	test('a dangling symlink is not found', async () => {
		await symlink('nowhere.log', 'dangling.log');
		const {problems} = await expandInputs(['dangling.log']);
		assert.deepEqual(problems, ['file not found: dangling.log']);
	});
});

test('an unreadable file is a problem for expandInputs and an error for openInput', async () => {
	// Root reads everything: then run the check as nobody (uid 65534) in a child process.
	const root = join(dir, 'perm');
	await mkdir(root);
	await chmod(dir, 0o755);
	await chmod(root, 0o755);
	await writeFile(join(root, 'secret.log'), 'x\n');
	await writeFile(join(root, 'open.log'), 'x\n');
	await chmod(join(root, 'secret.log'), 0);
	const source = fileURLToPath(new URL('../source/input/', import.meta.url));
	const script = join(root, 'check.mts');
	await writeFile(
		script,
		`import { expandInputs } from ${JSON.stringify(pathToFileURL(join(source, 'expand-inputs.ts')).href)};
import { openInput } from ${JSON.stringify(pathToFileURL(join(source, 'open-input.ts')).href)};
const expanded = await expandInputs([${JSON.stringify(join(root, 'secret.log'))}, ${JSON.stringify(join(root, '*.log'))}]);
const error = await openInput({ id: 0, path: ${JSON.stringify(join(root, 'secret.log'))}, displayName: 'secret.log' }).then(() => 'opened', (e) => e.message);
console.log(JSON.stringify({ expanded, error }));
`,
	);
	const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
		cwd: fileURLToPath(new URL('..', import.meta.url)),
		encoding: 'utf8',
		...(isRoot ? {uid: 65534, gid: 65534} : {}),
	});
	assert.equal(result.status, 0, result.stderr);
	const {expanded, error} = JSON.parse(result.stdout);
	assert.deepEqual(
		expanded.inputs.map((i: InputSpec) => i.path),
		[join(root, 'open.log')],
	);
	assert.deepEqual(expanded.problems, [`${join(root, 'secret.log')}: permission denied`, `${join(root, 'secret.log')}: permission denied`]);
	assert.equal(error, 'cannot open secret.log: permission denied');
});

describe('openInput', () => {
	const text = logText(5000);

	test('plain file: size, compression none, bytes and rawBytesRead', async () => {
		const path = join(dir, 'plain.log');
		await writeFile(path, text);
		const input = await openInput(spec(path), {chunkSize: 4096});
		assert.equal(input.compression, 'none');
		assert.equal(input.size, Buffer.byteLength(text));
		assert.equal((await readAll(input)).toString(), text);
		assert.equal(input.rawBytesRead(), Buffer.byteLength(text));
		assert.deepEqual(input.problems, []);
	});

	test('small files (read at once) and big ones (read in chunks) give the same bytes, offsets and rawBytesRead, from a resume point too', async () => {
		const small = logText(300);
		const cases = [
			{name: 'small.log', body: small},
			{name: 'big.log', body: text},
			{name: 'small.log.gz', body: small, gzip: true},
		];
		for (const {name, body, gzip} of cases) {
			const path = join(dir, name);
			const stored = gzip ? gzipSync(body) : Buffer.from(body);
			await writeFile(path, stored);
			const all = await lines(path);
			assert.equal(all.lines.length, body.split('\n').length - 1, name);
			assert.equal(all.ends.at(-1), Buffer.byteLength(body), name);
			assert.equal(all.input.size, stored.length, name);
			assert.equal(all.input.rawBytesRead(), stored.length, name);
			// From the end of line 100, as a resumed run opens it.
			const from = all.ends[99]!;
			const rest = await lines(path, {startOffset: from});
			assert.deepEqual(rest.lines, all.lines.slice(100), name);
			assert.deepEqual(rest.ends, all.ends.slice(100), name);
			assert.equal(rest.input.rawBytesRead(), stored.length, name);
			// Tiny chunks: lines cut anywhere are put back together.
			assert.deepEqual((await lines(path, {chunkSize: 7})).lines, all.lines, name);
		}
	});

	test('gzip is found by magic bytes, whatever the name; a .gz of plain text is plain', async () => {
		const gz = join(dir, 'access.log.2.gz.1');
		await writeFile(gz, gzipSync(text));
		const input = await openInput(spec(gz));
		assert.equal(input.compression, 'gzip');
		assert.equal((await readAll(input)).toString(), text);
		assert.equal(input.rawBytesRead(), gzipSync(text).length);

		const fake = join(dir, 'fake.log.gz');
		await writeFile(fake, 'plain\ntext\n');
		const r = await lines(fake);
		assert.equal(r.input.compression, 'none');
		assert.deepEqual(r.lines, ['plain', 'text']);
	});

	test('concatenated gzip members are read like gzip -d', async () => {
		const path = join(dir, 'multi.gz');
		await writeFile(path, Buffer.concat([gzipSync('one\ntwo\n'), gzipSync('three\n')]));
		assert.deepEqual((await lines(path)).lines, ['one', 'two', 'three']);
	});

	test('bzip2 is found by magic bytes, whatever the name', {skip: hasBzip2 ? false : `${BZIP2} not found`}, async () => {
		const path = join(dir, 'access.log.1');
		const compressed = bzip2(Buffer.from(text));
		await writeFile(path, compressed);
		const r = await lines(path);
		assert.equal(r.input.compression, 'bzip2');
		assert.equal(r.lines.length, 5000);
		assert.equal(r.lines[4999], text.split('\n')[4999]);
		assert.equal(r.ends.at(-1), Buffer.byteLength(text));
		assert.equal(r.input.rawBytesRead(), compressed.length);
		// Concatenated streams (pbzip2, cat a.bz2 b.bz2).
		const multi = join(dir, 'multi.bz2');
		await writeFile(multi, Buffer.concat([bzip2(Buffer.from('a\n')), bzip2(Buffer.from('b\n'))]));
		assert.deepEqual((await lines(multi)).lines, ['a', 'b']);
	});

	// A big file is streamed; a small one is decompressed at once, and when that fails, streamed to find the damage.
	for (const count of [200_000, 20_000]) {
		test(`a truncated gzip delivers the readable lines, then reports a problem (${count} lines)`, async () => {
			const big = logText(count);
			const full = gzipSync(big);
			const path = join(dir, `truncated-${count}.gz`);
			await writeFile(path, full.subarray(0, Math.floor(full.length / 2)));
			const seen: string[] = [];
			const r = await lines(path, {onProblem: p => seen.push(p.message)});
			const expected = big.split('\n');
			assert.ok(r.lines.length > count / 20, `${r.lines.length} lines`);
			assert.ok(r.lines.length < count);
			// Every delivered line is a complete, correct line: the cut one is not delivered.
			assert.deepEqual(r.lines, expected.slice(0, r.lines.length));
			assert.equal(r.input.problems?.length, 1);
			const problem = r.input.problems![0];
			assert.match(problem.message, /gzip data is truncated or corrupt \(unexpected end of file\)/);
			assert.ok(problem.offset >= r.ends.at(-1)!);
			assert.deepEqual(seen, [problem.message]);
		});
	}

	test('a truncated or corrupt bzip2 delivers what it can, then reports a problem', {
		skip: hasBzip2 ? false : `${BZIP2} not found`,
	}, async () => {
		// Random-ish content so that it needs several 900 kB blocks.
		const big = logText(25_000) + logText(25_000).split('').reverse().join('');
		const full = bzip2(Buffer.from(big));
		const path = join(dir, 'truncated.bz2');
		await writeFile(path, full.subarray(0, Math.floor(full.length * 0.8)));
		const r = await lines(path);
		assert.ok(r.lines.length > 0);
		assert.deepEqual(r.lines, big.split(/\r?\n|\r/).slice(0, r.lines.length));
		assert.match(r.input.problems![0].message, /bzip2 data is truncated or corrupt \(unexpected end of file\)/);

		const corrupt = Buffer.from(full);
		corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
		const bad = join(dir, 'corrupt.bz2');
		await writeFile(bad, corrupt);
		const c = await lines(bad);
		assert.deepEqual(c.lines, big.split(/\r?\n|\r/).slice(0, c.lines.length));
		assert.match(c.input.problems![0].message, /bzip2 data is truncated or corrupt/);
	});

	test('startOffset: a plain file is opened there (rawBytesRead starts there), a gzip skips decompressed bytes', async () => {
		const path = join(dir, 'resume.log');
		await writeFile(path, text);
		const offset = Buffer.byteLength(text.split('\n').slice(0, 1234).join('\n')) + 1;
		const input = await openInput(spec(path), {startOffset: offset, chunkSize: 1000});
		assert.equal(input.rawBytesRead(), offset);
		const rest = await readAll(input);
		assert.equal(rest.toString(), text.slice(offset));
		assert.equal(input.rawBytesRead(), Buffer.byteLength(text));

		const gz = join(dir, 'resume.gz');
		await writeFile(gz, gzipSync(text));
		const r = await lines(gz, {startOffset: offset});
		assert.deepEqual(r.lines, text.split('\n').slice(1234, 5000));
		assert.equal(r.ends[0], offset + Buffer.byteLength(text.split('\n')[1234]) + 1);
		// Beyond the end: nothing, no error.
		assert.deepEqual((await lines(path, {startOffset: 10 ** 9})).lines, []);
	});

	test('tiny reads: offsets stay right across chunk boundaries, CRLF split between reads', async () => {
		const crlf = logText(100, '\r\n') + 'x\ry\r';
		const path = join(dir, 'crlf.log');
		await writeFile(path, crlf);
		for (const chunkSize of [1, 2, 3, 7, 64]) {
			const r = await lines(path, {chunkSize});
			assert.equal(r.lines.length, 102, `chunkSize ${chunkSize}`);
			assert.deepEqual(r.lines.slice(-2), ['x', 'y']);
			let expectedEnd = 0;
			crlf.split(/(?<=\r\n|\r(?!\n))/).forEach((line, i) => {
				expectedEnd += Buffer.byteLength(line);
				assert.equal(r.ends[i], expectedEnd, `line ${i}, chunkSize ${chunkSize}`);
			});
		}
	});

	test('a directory or a missing file is a clear error', async () => {
		await assert.rejects(openInput(spec(dir)), /cannot open .*: is a directory/);
		await assert.rejects(openInput(spec(join(dir, 'nope.log'))), /cannot open .*nope\.log: file not found/);
	});

	test('close() in the middle releases the file; the iteration then ends', async () => {
		const path = join(dir, 'close.log');
		await writeFile(path, text);
		const input = await openInput(spec(path), {chunkSize: 100});
		let chunks = 0;
		for await (const _ of input.chunks) {
			if (++chunks === 3) await input.close();
		}
		assert.ok(chunks <= 4, `${chunks} chunks`);
		await input.close(); // idempotent
	});

	test('stdin from a stream: plain and gzip, size null', async () => {
		const plain = await openInput(spec('-'), {stdin: Readable.from([Buffer.from('a'), Buffer.from('b\nc'), Buffer.from('\n')])});
		assert.equal(plain.size, null);
		assert.equal(plain.compression, 'none');
		assert.equal((await readAll(plain)).toString(), 'ab\nc\n');
		const gz = gzipSync('x\ny\n');
		// The magic bytes arrive one at a time.
		const zipped = await openInput(spec('-'), {stdin: Readable.from([...gz].map(b => Buffer.from([b])))});
		assert.equal(zipped.compression, 'gzip');
		assert.equal((await readAll(zipped)).toString(), 'x\ny\n');
		assert.equal(zipped.rawBytesRead(), gz.length);
		const empty = await openInput(spec('-'), {stdin: Readable.from([])});
		assert.equal((await readAll(empty)).length, 0);
	});

	test('stdin of a child process (a real pipe)', async () => {
		const source = fileURLToPath(new URL('../source/input/', import.meta.url));
		const script = join(dir, 'read-stdin.mts');
		await writeFile(
			script,
			`import { openInput } from ${JSON.stringify(pathToFileURL(join(source, 'open-input.ts')).href)};
import { readLines } from ${JSON.stringify(pathToFileURL(join(source, 'line-reader.ts')).href)};
const input = await openInput({ id: 0, path: '-', displayName: '(stdin)' });
let count = 0;
let last = '';
for await (const batch of readLines(input)) { count += batch.lines.length; last = batch.lines.at(-1) ?? last; }
console.log(JSON.stringify({ count, last, compression: input.compression, size: input.size }));
`,
		);
		const run = (data: Buffer) =>
			new Promise<string>((resolve, reject) => {
				const child = spawn(process.execPath, ['--import', 'tsx', script], {
					cwd: fileURLToPath(new URL('..', import.meta.url)),
					stdio: ['pipe', 'pipe', 'inherit'],
				});
				let out = '';
				child.stdout.on('data', (d: Buffer) => (out += d));
				child.on('error', reject);
				child.on('close', code => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
				child.stdin.end(data);
			});
		const big = logText(20_000);
		assert.deepEqual(JSON.parse(await run(Buffer.from(big))), {
			count: 20_000,
			last: big.split('\n')[19_999],
			compression: 'none',
			size: null,
		});
		assert.deepEqual(JSON.parse(await run(gzipSync(big))).compression, 'gzip');
	});
});
