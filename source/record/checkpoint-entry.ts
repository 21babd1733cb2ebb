/**
 * A checkpoint entry as the state file holds it, and how inputs are recognised: the fingerprint of their first
 * bytes (decompressed), the identity of the file as stored (for unchanged compressed files), the checksum of the
 * line before the offset. Reading an entry keeps only the known fields, so nothing else (an option, a token) can
 * ever reach the file.
 */
import {createHash} from 'node:crypto';
import {closeSync, fstatSync, openSync, readSync, statSync, type Stats} from 'node:fs';
import {homedir} from 'node:os';
import {isAbsolute, join} from 'node:path';
import {detectCompression, isPipe, openInput} from '../input/open-input.js';
import type {InputSpec} from '../input/types.js';

export const FINGERPRINT_BYTES = 4096;
export const STATE_VERSION = 1;
/**
 * The forgetting rule: an entry is dropped when no run has imported or met its file for this many days (a file that
 * is still there is met on each run that names it). The state so holds every file of the last months, however many.
 */
export const FORGET_AFTER_DAYS = 90;

export interface CheckpointEntry {
	/** sha256 (hex) of the first `prefixLength` decompressed bytes. */
	fingerprint: string;
	/** min(4096, decompressed size) when the entry was written. */
	prefixLength: number;
	/** FNV-1a (32 bits) of the same bytes: finds the entries a small input may continue in one pass (prefix-index.ts). */
	headHash?: number;
	/** The path the input had (for messages; matching is by content). */
	path: string;
	/** Decompressed byte offset up to which everything is acknowledged: the start of the next line to import. */
	offset: number;
	/** Lines before `offset`. */
	lineNo: number;
	/** `lineChecksum` of the last line before `offset` (`''` when `offset` is 0), verified on resume. */
	lastLineSha1: string;
	/**
	 * Lines after `offset` whose hits Matomo already acknowledged, as inclusive ranges of 0-based line numbers.
	 * Lanes run concurrently, so some get ahead of the watermark; a resume skips these instead of resending them.
	 */
	ackedAhead?: Array<[number, number]>;
	/** The whole input was imported. */
	complete: boolean;
	/**
	 * The file as it was on disk when it was complete: its size, modification time and the sha256 of its first (up
	 * to) 4096 bytes as stored (compressed for .gz/.bz2). The same again is the same file, already imported: it is
	 * skipped without being read or decompressed.
	 */
	rawSize?: number;
	rawMtimeMs?: number;
	rawFingerprint?: string;
	/** ISO 8601. */
	updatedAt: string;
}

/** The checksum of a line as `readLines` delivers it (terminator removed): sha1 hex of its UTF-8 encoding. */
export function lineChecksum(text: string): string {
	return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** `$XDG_STATE_HOME/matomo-log-import/state.json`, or `~/.local/state/matomo-log-import/state.json`. */
export function defaultStatePath(env: NodeJS.ProcessEnv = process.env): string {
	// The XDG spec says relative values are invalid and must be ignored.
	const xdg = env.XDG_STATE_HOME;
	const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'state');
	return join(base, 'matomo-log-import', 'state.json');
}

/** The first up to 4096 decompressed bytes of an input; `null` for stdin and pipes (they cannot be read twice). */
export async function readFingerprintPrefix(spec: InputSpec): Promise<Buffer | null> {
	return spec.path === '-' || (spec.pipe ?? (await isPipe(spec.path))) ? null : readRange(spec, 0, FINGERPRINT_BYTES);
}

export function fingerprintOf(prefix: Buffer, length = prefix.length): string {
	return createHash('sha256').update(prefix.subarray(0, length)).digest('hex');
}

export const FNV_OFFSET = 0x81_1c_9d_c5;
const FNV_PRIME = 0x01_00_01_93;

/** One more byte into an FNV-1a (32 bits) hash. */
export function nextHeadHash(hash: number, byte: number): number {
	return Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
}

/** FNV-1a (32 bits) of `bytes`: an entry's `headHash`. */
export function headHashOf(bytes: Uint8Array): number {
	let hash = FNV_OFFSET;
	for (let i = 0; i < bytes.length; i++) hash = nextHeadHash(hash, bytes[i]!);
	return hash;
}

/** What identifies an input by content: its first up to 4096 decompressed bytes, hashed twice (see prefix-index.ts). */
export interface InputFingerprint {
	hash: string;
	prefixLength: number;
	head: number;
}

export function fingerprintOfPrefix(prefix: Buffer): InputFingerprint {
	return {hash: fingerprintOf(prefix), prefixLength: prefix.length, head: headHashOf(prefix)};
}

export async function fingerprintInput(spec: InputSpec): Promise<InputFingerprint | null> {
	const prefix = await readFingerprintPrefix(spec);
	return prefix === null ? null : fingerprintOfPrefix(prefix);
}

/** What a file is on disk, read without decompressing it: for `CheckpointStore.findUnchanged`. */
export interface RawIdentity {
	size: number;
	mtimeMs: number;
	fingerprint: string;
	/** The first (up to) 4096 bytes as stored (emptied once used). */
	head: Buffer;
	compressed: boolean;
}

/**
 * The raw identity of a file (one read of 4 KiB); `null` for stdin and pipes. Read through the handle a followed file
 * keeps (the path may name its successor by now), else by path. Synchronous calls: microseconds each, where an
 * asynchronous one waits a turn of the thread pool and of the event loop (over thousands of small files, most of the
 * run). A named pipe is never opened (opening one blocks until a writer comes). Throws when the file cannot be read.
 */
export function rawIdentity(spec: InputSpec): RawIdentity | null {
	if (spec.path === '-' || spec.pipe) return null;
	const kept = spec.handle?.fd;
	const info = kept === undefined ? statSync(spec.path) : fstatSync(kept);
	if (!info.isFile()) return null;
	const fd = kept ?? openSync(spec.path, 'r');
	try {
		const head = Buffer.alloc(Math.min(FINGERPRINT_BYTES, info.size));
		let length = 0;
		while (length < head.length) {
			const bytesRead = readSync(fd, head, length, head.length - length, length);
			if (bytesRead === 0) break;
			length += bytesRead;
		}

		return identityOf(info, head.subarray(0, length));
	} finally {
		if (kept === undefined) closeSync(fd);
	}
}

function identityOf(info: Stats, head: Buffer): RawIdentity {
	return {
		size: info.size,
		// Whole milliseconds: what tools that keep a file's time (cp -p, rsync -t, utimes) agree on.
		mtimeMs: Math.trunc(info.mtimeMs),
		fingerprint: fingerprintOf(head),
		head,
		compressed: detectCompression(head) !== 'none',
	};
}

export function byRecency(a: CheckpointEntry, b: CheckpointEntry): number {
	return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0;
}

/** Only the known fields, so that nothing else (an option, a token) can ever reach the file. */
export function sanitise(entry: CheckpointEntry): CheckpointEntry {
	return {
		fingerprint: entry.fingerprint,
		prefixLength: entry.prefixLength,
		...(isUint32(entry.headHash) ? {headHash: entry.headHash} : {}),
		path: entry.path,
		offset: entry.offset,
		lineNo: entry.lineNo,
		lastLineSha1: entry.lastLineSha1,
		...(validRanges(entry.ackedAhead) && entry.ackedAhead.length > 0 ? {ackedAhead: entry.ackedAhead.map(([a, b]) => [a, b] as [number, number])} : {}),
		complete: entry.complete,
		updatedAt: entry.updatedAt,
		...(isCount(entry.rawSize) &&
		typeof entry.rawMtimeMs === 'number' &&
		Number.isFinite(entry.rawMtimeMs) &&
		typeof entry.rawFingerprint === 'string' &&
		/^[0-9a-f]{64}$/.test(entry.rawFingerprint)
			? {rawSize: entry.rawSize, rawMtimeMs: entry.rawMtimeMs, rawFingerprint: entry.rawFingerprint}
			: {}),
	};
}

export function validRanges(value: unknown): value is Array<[number, number]> {
	return (
		Array.isArray(value) && value.every(range => Array.isArray(range) && range.length === 2 && isCount(range[0]) && isCount(range[1]) && range[0] <= range[1])
	);
}

export function parseState(text: string): CheckpointEntry[] {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (error) {
		throw new Error(`not valid JSON: ${(error as Error).message}`);
	}
	if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('not a JSON object');
	const {version, entries} = data as {version?: unknown; entries?: unknown};
	if (version !== STATE_VERSION) throw new Error(`unknown version ${JSON.stringify(version)}`);
	if (!Array.isArray(entries)) throw new Error('"entries" is not a list');
	return entries.map((raw: unknown, i) => parseEntry(raw, i));
}

export function parseEntry(raw: unknown, i: number): CheckpointEntry {
	{
		const e = raw as Record<string, unknown>;
		const ok =
			typeof e === 'object' &&
			e !== null &&
			typeof e.fingerprint === 'string' &&
			/^[0-9a-f]{64}$/.test(e.fingerprint) &&
			isCount(e.prefixLength) &&
			(e.prefixLength as number) <= FINGERPRINT_BYTES &&
			typeof e.path === 'string' &&
			isCount(e.offset) &&
			isCount(e.lineNo) &&
			typeof e.lastLineSha1 === 'string' &&
			(e.ackedAhead === undefined || validRanges(e.ackedAhead)) &&
			typeof e.complete === 'boolean' &&
			typeof e.updatedAt === 'string';
		if (!ok) throw new Error(`entry ${i} is not a valid checkpoint`);
		return sanitise(e as unknown as CheckpointEntry);
	}
}

function isUint32(value: unknown): value is number {
	return isCount(value) && (value as number) <= 0xff_ff_ff_ff;
}

export function isCount(value: unknown): boolean {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Decompressed bytes [from, to) of an input (fewer when it ends before). */
export async function readRange(spec: InputSpec, from: number, to: number): Promise<Buffer> {
	const input = await openInput(spec, {startOffset: from});
	try {
		const parts: Buffer[] = [];
		let length = 0;
		for await (const chunk of input.chunks) {
			parts.push(chunk);
			length += chunk.length;
			if (length >= to - from) break;
		}
		return Buffer.concat(parts).subarray(0, to - from);
	} finally {
		await input.close();
	}
}
