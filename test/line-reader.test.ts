import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {decodeUtf8Surrogateescape, normaliseEncoding, readLines, type ReadLinesOptions} from '../source/input/line-reader.js';
import type {InputProblem, LineBatch, OpenedInput} from '../source/input/types.js';

/** An input made of the given chunks, as if read from a file with that chunking. */
function fromChunks(chunks: Iterable<Buffer> | AsyncIterable<Buffer>, problems?: InputProblem[]): OpenedInput {
	return {
		spec: {id: 0, path: 'test.log', displayName: 'test.log'},
		size: null,
		compression: 'none',
		rawBytesRead: () => 0,
		chunks: (async function* () {
			yield* chunks;
		})(),
		close: async () => {},
		...(problems ? {problems} : {}),
	};
}

function split(buf: Buffer, sizes: number[]): Buffer[] {
	const out: Buffer[] = [];
	let pos = 0;
	let i = 0;
	while (pos < buf.length) {
		const n = Math.max(1, sizes[i++ % sizes.length]);
		out.push(buf.subarray(pos, pos + n));
		pos += n;
	}
	return out;
}

async function collect(input: OpenedInput, options: ReadLinesOptions = {}) {
	const batches: LineBatch[] = [];
	for await (const batch of readLines(input, options)) batches.push(batch);
	const lines = batches.flatMap(b => b.lines);
	const ends = batches.flatMap(b => b.ends);
	const oversized = batches.flatMap(b => (b.oversized ?? []).map(i => b.firstLineNo + i));
	return {batches, lines, ends, oversized};
}

async function linesOf(data: string | Buffer, options: ReadLinesOptions & {sizes?: number[]} = {}) {
	const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
	const chunks = options.sizes ? split(buf, options.sizes) : [buf];
	return collect(fromChunks(chunks), options);
}

/** The reference: Python's universal newlines over the whole buffer at once. */
function reference(buf: Buffer, maxLineBytes: number) {
	const lines: string[] = [];
	const ends: number[] = [];
	const oversized: number[] = [];
	let start = 0;
	let i = 0;
	while (i < buf.length) {
		const b = buf[i];
		if (b !== 10 && b !== 13) {
			i++;
			continue;
		}
		const end = b === 13 && buf[i + 1] === 10 ? i + 2 : i + 1;
		if (i - start > maxLineBytes) oversized.push(lines.length);
		lines.push(decodeUtf8Surrogateescape(buf, start, start + Math.min(i - start, maxLineBytes)));
		ends.push(end);
		start = i = end;
	}
	if (start < buf.length) {
		if (buf.length - start > maxLineBytes) oversized.push(lines.length);
		lines.push(decodeUtf8Surrogateescape(buf, start, start + Math.min(buf.length - start, maxLineBytes)));
		ends.push(buf.length);
	}
	return {lines, ends, oversized};
}

/** A deterministic pseudo-random generator, so that failures can be replayed. */
function random(seed: number) {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

describe('readLines: line ends', () => {
	test('LF, CRLF and lone CR each end a line; terminators are removed', async () => {
		const r = await linesOf('a\nb\r\nc\rd');
		assert.deepEqual(r.lines, ['a', 'b', 'c', 'd']);
		assert.deepEqual(r.ends, [2, 5, 7, 8]);
	});

	test('a trailing terminator adds no empty line; empty lines are lines', async () => {
		assert.deepEqual((await linesOf('a\n\n\nb\n')).lines, ['a', '', '', 'b']);
		assert.deepEqual((await linesOf('\r\n\r\n')).lines, ['', '']);
		assert.deepEqual((await linesOf('\r\r')).lines, ['', '']);
		assert.deepEqual((await linesOf('\n\r')).lines, ['', '']);
		assert.deepEqual((await linesOf('')).lines, []);
		assert.deepEqual((await linesOf('x')).lines, ['x']);
	});

	test('a CRLF split across two chunks is one terminator', async () => {
		const r = await collect(fromChunks([Buffer.from('abc\r'), Buffer.from('\ndef\n')]));
		assert.deepEqual(r.lines, ['abc', 'def']);
		assert.deepEqual(r.ends, [5, 9]);
		// Also when the line itself started in an earlier chunk, and when the CR line is empty.
		const r2 = await collect(fromChunks(['ab', 'c\r', '\n', '\r', '\nx'].map(s => Buffer.from(s))));
		assert.deepEqual(r2.lines, ['abc', '', 'x']);
		assert.deepEqual(r2.ends, [5, 7, 8]);
	});

	test('a CR at the end of a chunk followed by text is a lone CR; at the end of input too', async () => {
		const r = await collect(fromChunks([Buffer.from('a\r'), Buffer.from('b\r')]));
		assert.deepEqual(r.lines, ['a', 'b']);
		assert.deepEqual(r.ends, [2, 4]);
	});

	test('offsets are right across chunk boundaries for every chunk size', async () => {
		const text = 'first line\nsecond\r\n\r\nthird\rfourth\n\nfifth without end';
		const buf = Buffer.from(text);
		const expected = reference(buf, 1 << 20);
		for (let size = 1; size <= buf.length; size++) {
			const r = await linesOf(buf, {sizes: [size]});
			assert.deepEqual(r.lines, expected.lines, `chunk size ${size}`);
			assert.deepEqual(r.ends, expected.ends, `chunk size ${size}`);
		}
	});

	test('random content, random chunking, small line limit: same as the whole-buffer reference', async () => {
		const next = random(42);
		const alphabet = [
			Buffer.from('a'),
			Buffer.from('bc'),
			Buffer.from('\n'),
			Buffer.from('\r'),
			Buffer.from('\r\n'),
			Buffer.from('é'),
			Buffer.from('€'),
			Buffer.from('😀'),
			Buffer.from([0xff]),
			Buffer.from([0xe2, 0x82]),
			Buffer.from([0]),
		];
		for (let round = 0; round < 300; round++) {
			const parts: Buffer[] = [];
			const n = Math.floor(next() * 80);
			for (let i = 0; i < n; i++) parts.push(alphabet[Math.floor(next() * alphabet.length)]);
			const buf = Buffer.concat(parts);
			const maxLineBytes = 1 + Math.floor(next() * 12);
			const sizes = Array.from({length: 5}, () => 1 + Math.floor(next() * 9));
			const batchLines = 1 + Math.floor(next() * 4);
			const expected = reference(buf, maxLineBytes);
			const r = await linesOf(buf, {sizes, maxLineBytes, batchLines});
			const where = `round ${round}: ${JSON.stringify(buf.toString('latin1'))} sizes ${sizes} max ${maxLineBytes}`;
			assert.deepEqual(r.lines, expected.lines, where);
			assert.deepEqual(r.ends, expected.ends, where);
			assert.deepEqual(r.oversized, expected.oversized, where);
			assert.ok(r.batches.every(b => b.lines.length <= batchLines && b.lines.length === b.ends.length));
		}
	});

	test('batches: size, consecutive line numbers, resume offsets', async () => {
		const text = Array.from({length: 10}, (_, i) => `line ${i}`).join('\n');
		const r = await linesOf(text, {batchLines: 3, firstLineNo: 100, baseOffset: 5000, sizes: [4]});
		assert.deepEqual(
			r.batches.map(b => [b.firstLineNo, b.lines.length]),
			[
				[100, 3],
				[103, 3],
				[106, 3],
				[109, 1],
			],
		);
		assert.equal(r.ends[0], 5007);
		assert.equal(r.ends.at(-1), 5000 + text.length);
	});

	test('NUL bytes and binary garbage are characters of a line', async () => {
		const r = await linesOf(Buffer.from([0x61, 0x00, 0x62, 0x0a, 0x00, 0x00, 0x0a]));
		assert.deepEqual(r.lines, ['a\u0000b', '\u0000\u0000']);
	});

	test('after a read problem, an unterminated last line is dropped (cut by the damage), a terminated one is kept', async () => {
		const problem: InputProblem = {input: {id: 0, path: 'x', displayName: 'x'}, offset: 9, message: 'truncated'};
		const r = await collect(fromChunks([Buffer.from('a\nb\r\nhalf')], [problem]));
		assert.deepEqual(r.lines, ['a', 'b']);
		const r2 = await collect(fromChunks([Buffer.from('a\nb\r')], [problem]));
		assert.deepEqual(r2.lines, ['a', 'b']);
	});
});

describe('readLines: long lines', () => {
	test('a line longer than the limit is cut and listed in oversized', async () => {
		const r = await linesOf(`short\n${'x'.repeat(100)}\nend`, {maxLineBytes: 10, sizes: [7]});
		assert.deepEqual(r.lines, ['short', 'x'.repeat(10), 'end']);
		assert.deepEqual(r.oversized, [1]);
		assert.deepEqual(r.ends, [6, 107, 110]);
		const exact = await linesOf(`${'y'.repeat(10)}\n`, {maxLineBytes: 10});
		assert.deepEqual(exact.oversized, []);
	});

	test('a 50 MB line does not allocate 50 MB', async () => {
		const piece = Buffer.alloc(64 * 1024, 0x78);
		const total = 50 * 1024 * 1024;
		let peak = 0;
		const baseline = process.memoryUsage().arrayBuffers;
		async function* chunks() {
			// The same buffer again and again: the only big allocations are the reader's own.
			for (let sent = 0; sent < total; sent += piece.length) {
				peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
				yield piece;
			}
			yield Buffer.from('\nnext\n');
		}
		const r = await collect(fromChunks(chunks()));
		assert.equal(r.lines.length, 2);
		assert.equal(r.lines[0].length, 1024 * 1024);
		assert.deepEqual(r.oversized, [0]);
		assert.equal(r.lines[1], 'next');
		assert.deepEqual(r.ends, [total + 1, total + 6]);
		assert.ok(peak < 16 * 1024 * 1024, `peak ${peak} bytes of buffers`);
	});
});

describe('readLines: decoding', () => {
	test('invalid UTF-8 becomes U+DC80+byte, exactly like Python surrogateescape', async () => {
		// Python: b'\xe2\x82A\xed\xa0\x80\xf4\x90\x80\x80\xc0\xaf'.decode('utf8', 'surrogateescape')
		const bytes = Buffer.from([0xe2, 0x82, 0x41, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xc0, 0xaf]);
		const expected = '\udce2\udc82A\udced\udca0\udc80\udcf4\udc90\udc80\udc80\udcc0\udcaf';
		assert.equal(decodeUtf8Surrogateescape(bytes, 0, bytes.length), expected);
		const r = await linesOf(Buffer.concat([Buffer.from('ok é 😀\n'), bytes, Buffer.from('\nlast\n')]));
		assert.deepEqual(r.lines, ['ok é 😀', expected, 'last']);
		// The original bytes can be recovered.
		const back = Buffer.from(
			[...r.lines[1]].flatMap(ch => {
				const c = ch.charCodeAt(0);
				return c >= 0xdc80 && c <= 0xdcff ? [c - 0xdc00] : [...Buffer.from(ch)];
			}),
		);
		assert.deepEqual(back, bytes);
	});

	test('a multi-byte character split across chunks is decoded whole', async () => {
		const r = await linesOf('aé€😀b\nc€\n', {sizes: [1, 2, 3]});
		assert.deepEqual(r.lines, ['aé€😀b', 'c€']);
	});

	test('a BOM is kept with utf8 and removed with utf-8-sig', async () => {
		const data = Buffer.from('\ufeffa\nb\n');
		assert.deepEqual((await linesOf(data)).lines, ['\ufeffa', 'b']);
		assert.deepEqual((await linesOf(data, {encoding: 'utf-8-sig'})).lines, ['a', 'b']);
		assert.deepEqual((await linesOf(data, {encoding: 'utf_8_sig', sizes: [1]})).lines, ['a', 'b']);
		assert.deepEqual((await linesOf(data, {encoding: 'utf-8-sig'})).ends, [5, 7]);
	});

	test('latin1 is ISO-8859-1 (0x80 is U+0080), cp1252 is Windows (0x80 is €)', async () => {
		const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x0a]);
		for (const encoding of ['latin1', 'latin-1', 'iso-8859-1', 'ISO8859-1', 'l1']) {
			assert.deepEqual((await linesOf(bytes, {encoding})).lines, ['café \u0080'], encoding);
		}
		assert.deepEqual((await linesOf(bytes, {encoding: 'cp1252'})).lines, ['café €']);
		assert.deepEqual((await linesOf(bytes, {encoding: 'windows-1252'})).lines, ['café €']);
		// Python's cp1252: 0x92 is a quote, the undefined 0x81 a surrogate (Node's own TextDecoder gets both wrong).
		assert.deepEqual((await linesOf(Buffer.from([0x92, 0x81, 0x9f, 0x0a]), {encoding: 'cp1252'})).lines, ['\u2019\udc81Ÿ']);
	});

	test('big5, shift_jis, gbk, euc-kr through ICU', async () => {
		const big5 = Buffer.from([0x47, 0x45, 0x54, 0x20, 0xa4, 0xa4, 0xa4, 0xe5, 0x0d, 0x0a, 0x41, 0x0a]);
		assert.deepEqual((await linesOf(big5, {encoding: 'big5', sizes: [5]})).lines, ['GET 中文', 'A']);
		const sjis = Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x0a]);
		assert.deepEqual((await linesOf(sjis, {encoding: 'sjis'})).lines, ['日本']);
		assert.deepEqual((await linesOf(Buffer.from([0xd6, 0xd0, 0x0a]), {encoding: 'gb2312'})).lines, ['中']);
		assert.deepEqual((await linesOf(Buffer.from([0xc7, 0xd1, 0x0a]), {encoding: 'euc_kr'})).lines, ['한']);
	});

	test('ascii: bytes above 0x7f become surrogates', async () => {
		assert.deepEqual((await linesOf(Buffer.from([0x61, 0xe9, 0x0a]), {encoding: 'ascii'})).lines, ['a\udce9']);
	});

	test('encoding names: Python spellings, unknown ones and multi-byte newlines', () => {
		assert.equal(normaliseEncoding('utf8'), 'utf-8');
		assert.equal(normaliseEncoding('UTF-8'), 'utf-8');
		assert.equal(normaliseEncoding('utf_8'), 'utf-8');
		assert.equal(normaliseEncoding('utf-8-sig'), 'utf-8-sig');
		assert.equal(normaliseEncoding('latin1'), 'latin-1');
		assert.equal(normaliseEncoding('cp1252'), 'windows-1252');
		assert.equal(normaliseEncoding('shift-jis'), 'shift_jis');
		assert.equal(normaliseEncoding('euc_jp'), 'euc-jp');
		assert.equal(normaliseEncoding('big5hkscs'), 'big5');
		assert.equal(normaliseEncoding('iso8859-15'), 'iso-8859-15');
		assert.equal(normaliseEncoding('koi8_r'), 'koi8-r');
		assert.equal(normaliseEncoding('klingon'), null);
		assert.equal(normaliseEncoding('utf-16'), null);
	});

	test('an unknown encoding is a clear error', async () => {
		await assert.rejects(linesOf('a\n', {encoding: 'klingon'}), /unknown encoding 'klingon'.*Supported encodings.*cp1252/s);
		await assert.rejects(linesOf('a\n', {encoding: 'utf-16'}), /'utf-16' is not supported: its line breaks are not single bytes/);
	});
});
