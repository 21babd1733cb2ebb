/**
 * Opens one input as a pull-based stream of decompressed bytes. Compression is found from the magic bytes, not the
 * name: `access.log.2.gz.1` is read as gzip, a `.gz` that holds plain text as plain text.
 *
 * Everything is pulled: the file is read (or fed to the decompressor) only when the consumer asks for the next chunk,
 * so a slow consumer slows reading instead of growing the heap.
 */
import {constants, readFileSync, statSync, type Stats} from 'node:fs';
import {open, stat, type FileHandle} from 'node:fs/promises';
import {Socket} from 'node:net';
import type {Readable} from 'node:stream';
import {createGunzip, gunzipSync} from 'node:zlib';
import bz2 from 'unbzip2-stream';
import type {Compression, InputProblem, InputSpec, OpenedInput} from './types.js';
import {describeFsError} from './fs-error.js';

export interface OpenInputOptions {
	/** Decompressed byte offset to start at (resume). Plain files are opened there; others skip that many bytes. */
	startOffset?: number;
	/**
	 * Bytes per read of a plain file (default 256 KiB), per read of a pipe, and per decompressed chunk (default
	 * 128 KiB). Tests use tiny values to exercise chunk boundaries.
	 */
	chunkSize?: number;
	/** What `-` reads; default `process.stdin`. */
	stdin?: Readable;
	/** Called for each problem as it happens (they are also collected in `problems`). */
	onProblem?: (problem: InputProblem) => void;
	/**
	 * The consumer is done with a chunk when it asks for the next one (readLines is: it copies what it keeps), so a
	 * plain file is read into a few reused buffers. Without this each read gets a fresh buffer, which the garbage
	 * collector frees late (a chunk outlives a young-generation collection and is promoted with its 256 KiB).
	 */
	chunksAreTransient?: boolean;
}

const PLAIN_CHUNK = 256 * 1024;
/** Files up to this size are read at once (openSmallFile). */
const SMALL_FILE = 256 * 1024;
// Compressed input is read in smaller pieces: each one is decompressed in full before the next read, and logs
// compress 10–20×, so this bounds the decompressed bytes waiting for the consumer to a few MiB.
const COMPRESSED_CHUNK = 64 * 1024;
const GUNZIP_CHUNK = 128 * 1024;

export function detectCompression(head: Buffer): Compression {
	if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
	if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
	return 'none';
}

export async function openInput(spec: InputSpec, options: OpenInputOptions = {}): Promise<OpenedInput> {
	const startOffset = Math.max(0, Math.floor(options.startOffset ?? 0));
	const input = new Input(spec, options.onProblem);
	if (spec.path === '-') await openStream(input, options.stdin ?? process.stdin, startOffset, options);
	else await openFile(input, startOffset, options);
	return input;
}

/** The opened input; its fields are filled in by `openFile`/`openStream` before it is handed out. */
class Input implements OpenedInput {
	size: number | null = null;
	compression: Compression = 'none';
	chunks: AsyncIterable<Buffer> = (async function* () {})();
	readonly problems: InputProblem[] = [];
	raw = 0;
	closed = false;
	release: () => Promise<void> = async () => {};
	private closing: Promise<void> | null = null;

	constructor(
		readonly spec: InputSpec,
		private readonly onProblem: ((problem: InputProblem) => void) | undefined,
	) {}

	rawBytesRead(): number {
		return this.raw;
	}

	close(): Promise<void> {
		this.closed = true;
		return (this.closing ??= this.release());
	}

	problem(offset: number, message: string): void {
		const problem: InputProblem = {input: this.spec, offset, message};
		this.problems.push(problem);
		this.onProblem?.(problem);
	}
}

async function openFile(input: Input, startOffset: number, options: OpenInputOptions): Promise<void> {
	const name = input.spec.displayName;
	const kept = input.spec.handle;
	if (kept === undefined && !input.spec.pipe && openSmallFile(input, startOffset, options)) return;
	if (kept === undefined && (input.spec.pipe ?? (await isPipe(input.spec.path)))) return openPipe(input, startOffset, options);
	let fh: FileHandle;
	try {
		fh = kept ?? (await open(input.spec.path, 'r'));
	} catch (error) {
		throw new Error(`cannot open ${name}: ${describeFsError(error)}`, {cause: error});
	}
	try {
		const stat = await fh.stat();
		if (stat.isDirectory()) throw new Error(`cannot open ${name}: is a directory`);
		// Pipes and character devices (`<(zcat …)`, /dev/stdin) have no positions: read them sequentially.
		const seekable = stat.isFile();
		const chunkSize = options.chunkSize ?? PLAIN_CHUNK;
		let raw: AsyncGenerator<Buffer>;
		let head: Buffer = Buffer.alloc(0);
		if (seekable) {
			input.size = stat.size;
			const probe = Buffer.alloc(3);
			let bytesRead: number;
			try {
				({bytesRead} = await fh.read(probe, 0, 3, 0));
			} catch (error) {
				throw new Error(`cannot read ${name}: ${describeFsError(error)}`, {cause: error});
			}
			input.compression = detectCompression(probe.subarray(0, bytesRead));
			if (input.compression === 'none') {
				// A plain file is opened right at the resume offset: nothing before it is read. Its reads are no bigger
				// than what is left of it (a run over thousands of small files would allocate 256 KiB buffers for each).
				const left = Math.max(0, stat.size - startOffset) + 1;
				const readSize = Math.min(chunkSize, Math.max(options.chunkSize ?? 16 * 1024, left));
				raw = readHandle(fh, startOffset, readSize, input, options.chunksAreTransient === true);
				input.raw = startOffset;
				input.chunks = decompressed(input, head, raw, 0, startOffset, options.chunkSize);
			} else {
				raw = readHandle(fh, 0, COMPRESSED_CHUNK, input);
				input.chunks = decompressed(input, head, raw, startOffset, startOffset, options.chunkSize);
			}
		} else {
			raw = readHandle(fh, null, options.chunkSize ?? COMPRESSED_CHUNK, input);
			head = await peek(raw, 3);
			input.compression = detectCompression(head);
			input.chunks = decompressed(input, head, raw, startOffset, startOffset, options.chunkSize);
		}
		input.release = async () => {
			await raw.return(undefined);
			if (kept === undefined) await fh.close();
		};
	} catch (error) {
		if (kept === undefined) await fh.close();
		throw error;
	}
}

/**
 * A small regular file is read whole with synchronous calls: each takes microseconds, where an asynchronous one waits
 * a turn of the thread pool and of the event loop, and over thousands of small files (CloudFront, ALB and S3 deliver
 * them by the ten thousand) those turns would be most of the run. Returns false for anything else (then read as a
 * stream); throws what opening it would.
 */
function openSmallFile(input: Input, startOffset: number, options: OpenInputOptions): boolean {
	const {path, displayName} = input.spec;
	let info: Stats;
	try {
		info = statSync(path);
	} catch (error) {
		throw new Error(`cannot open ${displayName}: ${describeFsError(error)}`, {cause: error});
	}

	if (!info.isFile() || info.size > SMALL_FILE) return false;
	let bytes: Buffer;
	try {
		bytes = readFileSync(path);
	} catch (error) {
		const verb = (error as NodeJS.ErrnoException).syscall === 'open' ? 'open' : 'read';
		throw new Error(`cannot ${verb} ${displayName}: ${describeFsError(error)}`, {cause: error});
	}

	input.size = bytes.length;
	input.compression = detectCompression(bytes);
	// In pieces of `chunkSize` when one is asked for (tests of chunk boundaries), else at once; `stored`: pieces of the
	// file as stored, counted as read.
	const pieces = (data: Buffer, from: number, stored: boolean) =>
		(async function* (): AsyncGenerator<Buffer> {
			const piece = options.chunkSize ?? data.length;
			for (let at = from; at < data.length; at += piece) {
				const chunk = data.subarray(at, at + piece);
				if (stored) input.raw += chunk.length;
				yield chunk;
			}
		})();
	if (input.compression === 'none') {
		input.raw = Math.min(startOffset, bytes.length);
		input.chunks = pieces(bytes, input.raw, true);
		return true;
	}

	const text = input.compression === 'gzip' ? gunzipWhole(bytes) : undefined;
	if (text !== undefined) {
		const chunks = pieces(text, Math.min(startOffset, text.length), false);
		input.chunks = (async function* () {
			yield* chunks;
			input.raw = bytes.length;
		})();
		input.release = async () => void (await chunks.return(undefined));
		return true;
	}

	// bzip2, or a gzip that does not decompress in one go (damaged: its problem is found and said as it is streamed).
	const raw = pieces(bytes, 0, true);
	input.chunks = decompressed(input, Buffer.alloc(0), raw, startOffset, startOffset, options.chunkSize);
	input.release = async () => void (await raw.return(undefined));
	return true;
}

/** Decompressed text of a small gzip file at once (a zlib stream per file costs its buffers); undefined when damaged or far bigger than logs compress to. */
function gunzipWhole(bytes: Buffer): Buffer | undefined {
	try {
		return gunzipSync(bytes, {maxOutputLength: SMALL_FILE * 256});
	} catch {
		return undefined;
	}
}

/** Whether a path is a named pipe (a FIFO, `/dev/stdin` when stdin is a pipe, `<(…)`) or a socket. */
export async function isPipe(path: string): Promise<boolean> {
	try {
		const info = await stat(path);
		return info.isFIFO() || info.isSocket();
	} catch {
		return false;
	}
}

/**
 * A named pipe is opened without blocking and read through the event loop. A blocking open of a FIFO waits in a
 * thread of the pool until a writer comes, and the process could then neither stop nor exit; a socket over it can
 * be destroyed at any time. (Opened this way, a FIFO with no writer yet is simply not readable until one comes.)
 */
async function openPipe(input: Input, startOffset: number, options: OpenInputOptions): Promise<void> {
	let fh: FileHandle;
	try {
		fh = await open(input.spec.path, constants.O_RDONLY | constants.O_NONBLOCK);
	} catch (error) {
		throw new Error(`cannot open ${input.spec.displayName}: ${describeFsError(error)}`, {cause: error});
	}
	const socket = new Socket({fd: fh.fd, readable: true, writable: false});
	await openStream(input, socket, startOffset, options, true);
	const release = input.release;
	input.release = async () => {
		socket.destroy();
		await release().catch(() => {});
		await fh.close().catch(() => {});
	};
}

async function openStream(input: Input, stream: Readable, startOffset: number, options: OpenInputOptions, lazy = false): Promise<void> {
	// Leave stdin open when we stop early: it is not ours to destroy.
	const iterator = stream.iterator({destroyOnReturn: false}) as AsyncIterator<Buffer | string>;
	const raw = (async function* (): AsyncGenerator<Buffer> {
		try {
			for (;;) {
				const {value, done} = await iterator.next();
				if (done) return;
				const buf = typeof value === 'string' ? Buffer.from(value) : value;
				input.raw += buf.length;
				yield buf;
			}
		} finally {
			await iterator.return?.();
		}
	})();
	input.release = async () => void (await raw.return(undefined));
	if (lazy) {
		// The first bytes may be long to come (a FIFO waiting for its writer): the input is handed out at once, so
		// that it can be closed while it waits, and the compression is found when the consumer first pulls.
		input.chunks = (async function* () {
			let head: Buffer;
			try {
				head = await peek(raw, 3);
			} catch (error) {
				if (input.closed) return;
				throw new Error(`cannot read ${input.spec.displayName}: ${describeFsError(error)}`, {cause: error});
			}
			input.compression = detectCompression(head);
			yield* decompressed(input, head, raw, startOffset, startOffset, options.chunkSize);
		})();
		return;
	}
	let head: Buffer;
	try {
		head = await peek(raw, 3);
	} catch (error) {
		throw new Error(`cannot read ${input.spec.displayName}: ${describeFsError(error)}`, {cause: error});
	}
	input.compression = detectCompression(head);
	input.chunks = decompressed(input, head, raw, startOffset, startOffset, options.chunkSize);
}

/**
 * Reads a file handle chunk by chunk, at `position` (`null`: sequentially), until the end or `close()`. One read is
 * always ahead: the disk (or page cache) works while the consumer parses the chunk it was given.
 */
async function* readHandle(fh: FileHandle, position: number | null, chunkSize: number, input: Input, reuse = false): AsyncGenerator<Buffer> {
	// One buffer is being read into while the consumer has the other: two would do, three leave room.
	const ring = reuse ? [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)] : undefined;
	let reads = 0;
	const readAt = (at: number | null) => {
		// A fresh buffer per read unless the consumer said it keeps none.
		const buf = ring ? ring[reads++ % ring.length]! : Buffer.allocUnsafe(chunkSize);
		const pending = fh.read(buf, 0, chunkSize, at).then(({bytesRead}) => ({buf, bytesRead}));
		// A read still in flight when the input is closed fails; nobody waits for it then.
		pending.catch(() => {});
		return pending;
	};

	let next = input.closed ? undefined : readAt(position);
	while (next !== undefined) {
		const {buf, bytesRead} = await next;
		if (bytesRead === 0) return;
		if (position !== null) position += bytesRead;
		input.raw += bytesRead;
		next = input.closed ? undefined : readAt(position);
		if (bytesRead === chunkSize) yield buf;
		// Short reads (pipes) would pin a mostly empty buffer: copy them instead.
		else yield bytesRead < chunkSize / 2 ? Buffer.from(buf.subarray(0, bytesRead)) : buf.subarray(0, bytesRead);
	}
}

/** Reads from `source` until at least `n` bytes (or the end) and returns them; the rest of `source` follows them. */
async function peek(source: AsyncGenerator<Buffer>, n: number): Promise<Buffer> {
	const parts: Buffer[] = [];
	let length = 0;
	while (length < n) {
		const {value, done} = await source.next();
		if (done) break;
		parts.push(value);
		length += value.length;
	}
	return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * The decompressed stream: `head` (already read) then the rest of `raw`, through the decompressor if any, with the
 * first `skip` decompressed bytes dropped; `startOffset` is the decompressed offset of the first byte delivered.
 * A read error or damaged compressed data is recorded as a problem, and the stream then ends normally, after every
 * readable byte: the iteration never throws for them.
 */
async function* decompressed(
	input: Input,
	head: Buffer,
	raw: AsyncGenerator<Buffer>,
	skip: number,
	startOffset: number,
	outChunk: number | undefined,
): AsyncGenerator<Buffer> {
	let offset = startOffset - skip; // decompressed offset of the next byte produced
	const emit = function* (buf: Buffer): Generator<Buffer> {
		let start = 0;
		if (skip > 0) {
			start = Math.min(skip, buf.length);
			skip -= start;
		}
		offset += buf.length;
		if (start < buf.length) yield start === 0 ? buf : buf.subarray(start);
	};
	const decoder = input.compression === 'gzip' ? gunzipper(outChunk) : input.compression === 'bzip2' ? bunzipper() : null;
	try {
		if (head.length > 0) {
			if (decoder === null) yield* emit(head);
			else await decoder.write(head);
		}
		if (decoder === null) {
			for await (const buf of raw) yield* emit(buf);
			return;
		}
		for (const out of decoder.take()) yield* emit(out);
		if (!decoder.error) {
			for await (const buf of raw) {
				await decoder.write(buf);
				for (const out of decoder.take()) yield* emit(out);
				if (decoder.error) break;
			}
		}
		if (!decoder.error && !input.closed) await decoder.end();
		for (const out of decoder.take()) yield* emit(out);
		if (decoder.error && !input.closed) {
			input.problem(offset, `${input.compression} data is truncated or corrupt (${decoder.error.message}); ` + `read stopped at decompressed byte ${offset}`);
		}
	} catch (error) {
		if (decoder !== null) for (const out of decoder.take()) yield* emit(out);
		if (!input.closed) input.problem(offset, `read error: ${describeFsError(error)}; read stopped at byte ${offset}`);
	} finally {
		decoder?.destroy();
		// The stream is single-use: at its end (or when the consumer stops) the file is released at once.
		await input.close();
	}
}

/**
 * A decompressor driven one input chunk at a time. Output is collected from `data` events (the stream stays in
 * flowing mode, so nothing it produced is lost when it fails later), and a failure is remembered rather than thrown.
 */
interface Decompressor {
	write(buf: Buffer): Promise<void>;
	end(): Promise<void>;
	/** The output produced so far, removed from the decompressor. */
	take(): Buffer[];
	readonly error: Error | null;
	destroy(): void;
}

interface EventStream {
	on(event: 'data', listener: (data: Buffer) => void): unknown;
	on(event: 'error', listener: (error: Error) => void): unknown;
	on(event: 'end', listener: () => void): unknown;
	destroy(): unknown;
}

function collect(stream: EventStream) {
	const state = {out: [] as Buffer[], error: null as Error | null, ended: false};
	const waiters = new Set<() => void>();
	const notify = () => {
		for (const wake of [...waiters]) wake();
	};
	stream.on('data', data => void state.out.push(data));
	stream.on('error', error => {
		state.error ??= error;
		notify();
	});
	stream.on('end', () => {
		state.ended = true;
		notify();
	});
	/** Resolves when `done` is called, or when the stream ends or fails (a failed zlib never calls back). */
	const until = (start: (done: () => void) => void) =>
		new Promise<void>(resolve => {
			if (state.ended || state.error) return resolve();
			const wake = () => {
				waiters.delete(wake);
				resolve();
			};
			waiters.add(wake);
			start(wake);
		});
	return {state, until};
}

function gunzipper(outChunk: number | undefined): Decompressor {
	// Node's gunzip reads concatenated members (`cat a.gz b.gz`, as `gzip -d` does).
	const gunzip = createGunzip({chunkSize: Math.max(outChunk ?? GUNZIP_CHUNK, 64)});
	const {state, until} = collect(gunzip);
	return {
		// The write callback runs once this chunk is fully inflated.
		write: buf => until(done => gunzip.write(buf, () => done())),
		// Resolves on `end`, which comes after the last `data`.
		end: () => until(() => gunzip.end()),
		take: () => state.out.splice(0),
		get error() {
			return state.error;
		},
		destroy: () => void gunzip.destroy(),
	};
}

function bunzipper(): Decompressor {
	// unbzip2-stream is a synchronous `through` stream: a write decompresses every complete block at once and emits
	// it before returning, so there is nothing to wait for.
	const stream = bz2();
	const {state} = collect(stream as unknown as EventStream);
	return {
		write: async buf => {
			if (!state.error) stream.write(buf);
		},
		end: async () => {
			if (state.error) return;
			stream.end();
			// At the end, the library fails with whatever its bit reader tripped over when the last block is cut off.
			if (state.error) state.error = new Error('unexpected end of file', {cause: state.error});
		},
		take: () => state.out.splice(0),
		get error() {
			return state.error;
		},
		destroy: () => void stream.destroy(),
	};
}
