/**
 * Resume state: per input, the decompressed offset up to which every line is acknowledged by Matomo (or skipped).
 *
 * An input is recognised by its content, not its name: logrotate renames `access.log` to `access.log.1` and then
 * gzips it, and it must still be found. The fingerprint is the sha256 of the first (up to) 4096 decompressed bytes;
 * a file that was shorter when its entry was written matches on the prefix length the entry recorded. Since two logs
 * can start alike (a W3C header), resuming also checks that the line just before the offset is the one recorded.
 *
 * The state file holds offsets, paths and checksums only: never the token or any other option.
 */
import {randomBytes} from 'node:crypto';
import {appendFileSync, mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync} from 'node:fs';
import {mkdir, open, readFile, rename, unlink} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {openInput} from '../input/open-input.js';
import {readLines} from '../input/line-reader.js';
import type {InputSpec, OpenedInput} from '../input/types.js';
import {
	FORGET_AFTER_DAYS,
	STATE_VERSION,
	byRecency,
	lineChecksum,
	parseEntry,
	parseState,
	readFingerprintPrefix,
	readRange,
	sanitise,
	type CheckpointEntry,
	type RawIdentity,
} from './checkpoint-entry.js';
import {PrefixIndex} from './prefix-index.js';

export {
	FINGERPRINT_BYTES,
	FORGET_AFTER_DAYS,
	defaultStatePath,
	fingerprintInput,
	fingerprintOf,
	fingerprintOfPrefix,
	lineChecksum,
	rawIdentity,
	readFingerprintPrefix,
	type CheckpointEntry,
	type InputFingerprint,
	type RawIdentity,
} from './checkpoint-entry.js';

/** A met entry's date is refreshed when older than this: not a write per file on every run. */
const TOUCH_AFTER_MS = 24 * 3600 * 1000;
/** The journal is folded into the state file when it grows past the state file's size (and this much). */
const JOURNAL_MIN_COMPACT_BYTES = 1024 * 1024;

const keyOf = (entry: Pick<CheckpointEntry, 'fingerprint' | 'prefixLength'>) => `${entry.prefixLength}:${entry.fingerprint}`;

/**
 * The entries, indexed by fingerprint, in a state file and a journal beside it (`state.json.journal`). Saves during
 * a run append the entries that changed to the journal: a save costs what changed, not the size of the state (100,000
 * files). The journal is folded into the state file (atomically) when it grows past it, and read after it on open.
 */
export class CheckpointStore {
	private readonly entries = new Map<string, CheckpointEntry>();
	/** Which entries an input's first bytes may continue (see PrefixIndex). */
	private readonly prefixes = new PrefixIndex();
	private readonly byRaw = new Map<string, CheckpointEntry>();
	/** Journal lines not written yet. */
	private pending: string[] = [];
	private pendingBytes = 0;
	private journalBytes = 0;
	private snapshotBytes = 0;
	private saving: Promise<void> = Promise.resolve();
	private dirReady = false;

	private constructor(
		readonly path: string,
		entries: CheckpointEntry[],
	) {
		for (const entry of entries) this.put(entry);
	}

	get journalPath(): string {
		return `${this.path}.journal`;
	}

	/** Reads the state file; a missing file is an empty store, a damaged one an Error that says what to do. */
	static async open(path: string): Promise<CheckpointStore> {
		let text: string | undefined;
		try {
			text = await readFile(path, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
				throw new Error(`cannot read the state file ${path}: ${(error as Error).message}`, {cause: error});
			}
		}
		let store: CheckpointStore;
		try {
			store = new CheckpointStore(path, text === undefined ? [] : parseState(text));
			store.snapshotBytes = text?.length ?? 0;
			await store.replayJournal();
		} catch (error) {
			throw new Error(
				`the state file ${path} is damaged (${(error as Error).message}). Use --reimport to ignore and replace it ` +
					`(lines imported before may then be imported twice), or --state-file to use another file.`,
				{cause: error},
			);
		}
		return store;
	}

	private async replayJournal(): Promise<void> {
		let text: string;
		try {
			text = await readFile(this.journalPath, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
			throw error;
		}
		this.journalBytes = text.length;
		const lines = text.split('\n');
		for (let i = 0; i < lines.length; i++) {
			const line = lines[i]!;
			if (line === '') continue;
			let record: {set?: unknown; del?: unknown};
			try {
				record = JSON.parse(line) as typeof record;
			} catch {
				// The last line of a process killed while appending: the entry before it still holds.
				if (i >= lines.length - 2) continue;
				throw new Error(`journal line ${i + 1} is not valid JSON`);
			}
			if (typeof record.del === 'string') this.drop(record.del);
			else if (record.set !== undefined) this.put(parseEntry(record.set, i));
		}
	}

	/** All entries, most recently updated first. */
	list(): readonly CheckpointEntry[] {
		return [...this.entries.values()].sort(byRecency);
	}

	get size(): number {
		return this.entries.size;
	}

	/**
	 * Entries whose fingerprint matches `prefix` (an input's first up to 4096 decompressed bytes), best first: the
	 * longest matched prefix, then the same path, then the most recent. Entries of empty files never match.
	 */
	find(prefix: Buffer, path?: string): CheckpointEntry[] {
		const found: CheckpointEntry[] = [];
		// A prefix shorter than 4096 bytes is the whole file: it matches only an entry of the same length, or a file
		// that has grown since. A full 4096-byte prefix matches entries of any length up to it.
		for (const key of this.prefixes.matches(prefix)) {
			const entry = this.entries.get(key);
			if (entry) found.push(entry);
		}
		return found.sort((a, b) => b.prefixLength - a.prefixLength || Number(b.path === path) - Number(a.path === path) || byRecency(a, b));
	}

	/** The complete entry of a file that is byte for byte as it was when its import completed (size, time, first bytes). */
	findUnchanged(raw: Pick<RawIdentity, 'size' | 'mtimeMs' | 'fingerprint'>): CheckpointEntry | undefined {
		const entry = this.byRaw.get(raw.fingerprint);
		return entry?.complete && entry.rawSize === raw.size && entry.rawMtimeMs === raw.mtimeMs ? entry : undefined;
	}

	/**
	 * Records the progress of an input. It replaces the entry with the same fingerprint, and `previous` (the entry
	 * the run resumed from), whose fingerprint may be over a shorter prefix because the file has grown since.
	 */
	update(entry: CheckpointEntry, previous?: CheckpointEntry | null): void {
		const clean = sanitise(entry);
		if (previous && keyOf(previous) !== keyOf(clean) && this.entries.has(keyOf(previous))) {
			this.drop(keyOf(previous));
			this.journal({del: keyOf(previous)});
		}
		this.put(clean);
		this.journal({set: clean});
	}

	/** A file met again (already imported): its entry is kept for another FORGET_AFTER_DAYS. */
	touch(entry: CheckpointEntry, now = Date.now()): void {
		if (now - Date.parse(entry.updatedAt) < TOUCH_AFTER_MS) return;
		this.update({...entry, updatedAt: new Date(now).toISOString()});
	}

	/** Forgets an entry (`--reimport` of one input). */
	remove(entry: CheckpointEntry): void {
		if (!this.entries.has(keyOf(entry))) return;
		this.drop(keyOf(entry));
		this.journal({del: keyOf(entry)});
	}

	private put(entry: CheckpointEntry): void {
		const key = keyOf(entry);
		if (this.entries.has(key)) this.drop(key);
		this.entries.set(key, entry);
		this.prefixes.add(entry, key);
		if (entry.rawFingerprint !== undefined) this.byRaw.set(entry.rawFingerprint, entry);
	}

	private drop(key: string): void {
		const entry = this.entries.get(key);
		if (!entry) return;
		this.entries.delete(key);
		this.prefixes.remove(entry, key);
		if (entry.rawFingerprint !== undefined && this.byRaw.get(entry.rawFingerprint) === entry) this.byRaw.delete(entry.rawFingerprint);
	}

	private journal(record: object): void {
		const line = JSON.stringify(record) + '\n';
		this.pending.push(line);
		this.pendingBytes += line.length;
	}

	/** Whether the journal is due to be folded into the state file. */
	private get compactionDue(): boolean {
		return this.journalBytes + this.pendingBytes > Math.max(JOURNAL_MIN_COMPACT_BYTES, this.snapshotBytes);
	}

	/**
	 * Proves that progress can be saved before anything is sent: the directory is created, a file written in it and
	 * removed, the journal opened for appending. Throws what failed (read-only file system, full disk, permissions).
	 */
	checkWritable(): void {
		this.ensureDir();
		const temp = this.tempPath();
		try {
			writeFileSync(temp, '{}\n', {mode: 0o600});
		} finally {
			rmSync(temp, {force: true});
		}
		appendFileSync(this.journalPath, '', {mode: 0o600});
	}

	/**
	 * Writes the state durably and folds the journal into it when due; else appends what changed to the journal
	 * and fsyncs it. Saves are serialised.
	 */
	save(options: {durable?: boolean} = {}): Promise<void> {
		const durable = options.durable ?? true;
		const run = this.saving.then(async () => {
			if (this.compactionDue || this.snapshotBytes === 0) return this.write(durable);
			this.appendPending();
			if (!durable || this.journalBytes === 0) return;
			const fh = await open(this.journalPath, 'a');
			try {
				await fh.sync();
			} finally {
				await fh.close();
			}
		});
		this.saving = run.catch(() => {});
		return run;
	}

	/**
	 * A quick synchronous save without fsync, for the checkpoint after each acknowledgement: the entries that changed
	 * appended to the journal (or, when it is due, the whole state written to a temporary file and renamed over the
	 * state file: atomic for a killed process).
	 */
	saveQuickSync(): void {
		if (this.compactionDue) return this.writeSync();
		this.appendPending();
	}

	private appendPending(): void {
		if (this.pending.length === 0) return;
		this.ensureDir();
		const text = this.pending.join('');
		try {
			appendFileSync(this.journalPath, text, {mode: 0o600});
		} catch (error) {
			throw new Error(`cannot write the state file ${this.journalPath}: ${(error as Error).message}`, {cause: error});
		}
		this.journalBytes += text.length;
		this.pending = [];
		this.pendingBytes = 0;
	}

	private ensureDir(): void {
		if (this.dirReady) return;
		mkdirSync(dirname(this.path), {recursive: true, mode: 0o700});
		this.dirReady = true;
	}

	/** One temporary name per process: the synchronous writes run one at a time, on the main thread. */
	private tempPath(): string {
		return join(dirname(this.path), `.${basename(this.path)}.${process.pid}.tmp`);
	}

	private writeSync(): void {
		this.ensureDir();
		const temp = this.tempPath();
		const text = this.serialise(false);
		try {
			writeFileSync(temp, text, {mode: 0o600});
			renameSync(temp, this.path);
		} catch (error) {
			// A full disk fails the write after creating the file: leave nothing behind.
			rmSync(temp, {force: true});
			throw new Error(`cannot write the state file ${this.path}: ${(error as Error).message}`, {cause: error});
		}
		this.folded(text.length);
	}

	/** The state file now holds everything: the journal is empty. */
	private folded(snapshotBytes: number): void {
		this.snapshotBytes = snapshotBytes;
		this.pending = [];
		this.pendingBytes = 0;
		this.journalBytes = 0;
		try {
			unlinkSync(this.journalPath);
		} catch {}
	}

	/**
	 * Indented for small states people may read; compact for the frequent quick ones and big ones. Entries not
	 * met for FORGET_AFTER_DAYS are left out here (the forgetting rule).
	 */
	private serialise(pretty = true): string {
		const horizon = new Date(Date.now() - FORGET_AFTER_DAYS * 24 * 3600 * 1000).toISOString();
		for (const [key, entry] of this.entries) if (entry.updatedAt < horizon) this.drop(key);
		const indent = pretty && this.entries.size <= 1000 ? '\t' : undefined;
		return `${JSON.stringify({version: STATE_VERSION, entries: this.list()}, null, indent)}\n`;
	}

	/**
	 * `durable: false` skips the fsyncs: the rename is still atomic, so a killed process leaves a whole file, but an
	 * OS crash may lose the last writes. The last save of a run is durable.
	 */
	private async write(durable: boolean): Promise<void> {
		const dir = dirname(this.path);
		await mkdir(dir, {recursive: true, mode: 0o700});
		const text = this.serialise();
		const temp = join(dir, `.${randomBytes(6).toString('hex')}.${process.pid}.tmp`);
		const fh = await open(temp, 'wx', 0o600);
		try {
			try {
				await fh.writeFile(text, 'utf8');
				if (durable) await fh.sync();
			} finally {
				await fh.close();
			}
			await rename(temp, this.path);
		} catch (error) {
			await unlink(temp).catch(() => {});
			throw new Error(`cannot write the state file ${this.path}: ${(error as Error).message}`, {cause: error});
		}
		this.folded(text.length);
		if (!durable) return;
		// Make the rename itself durable. Not possible everywhere (some file systems refuse to fsync a directory).
		const dirHandle = await open(dir, 'r').catch(() => null);
		if (dirHandle !== null) {
			await dirHandle.sync().catch(() => {});
			await dirHandle.close();
		}
	}
}

export interface FindCheckpointOptions {
	/** The `--encoding` of the run: the checksum is over decoded text. Default `utf8`. */
	encoding?: string;
	/** The reader's line limit (default 1 MiB): an oversized last line is checked on its cut text. */
	maxLineBytes?: number;
}

/**
 * The checkpoint of an input, if the store has one: `verified` when the line before its offset is still the one
 * recorded. `verified: false` means the content at the offset differs (a different file that starts alike, or one
 * that was rewritten): the caller starts at 0 and warns. `null` for stdin and for inputs without an entry.
 */
export async function findCheckpoint(
	store: CheckpointStore,
	spec: InputSpec,
	options: FindCheckpointOptions = {},
	knownPrefix?: Buffer,
): Promise<{entry: CheckpointEntry; verified: boolean} | null> {
	const prefix = knownPrefix ?? (await readFingerprintPrefix(spec));
	if (prefix === null) return null;
	const candidates = store.find(prefix, spec.path);
	if (candidates.length === 0) return null;
	for (const entry of candidates) {
		if (await verifyLastLine(spec, entry, options)) return {entry, verified: true};
	}
	return {entry: candidates[0], verified: false};
}

/** Whether the line that ends at `entry.offset` has the checksum `entry.lastLineSha1`. */
export async function verifyLastLine(
	spec: InputSpec,
	entry: Pick<CheckpointEntry, 'offset' | 'lastLineSha1'>,
	options: FindCheckpointOptions = {},
): Promise<boolean> {
	const {offset} = entry;
	if (offset === 0) return entry.lastLineSha1 === '';
	const maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
	// Read a window before the offset big enough for a line of maximal length and its terminator, plus one byte
	// after it (a CR before the offset followed by a LF would mean the offset is in the middle of a CRLF).
	const windowStart = Math.max(0, offset - (maxLineBytes + 3));
	const bytes = await readRange(spec, windowStart, offset + 1);
	if (bytes.length < offset - windowStart) return false; // the input is shorter than the offset now
	const atOffset = bytes.length > offset - windowStart ? bytes[offset - windowStart] : -1;
	const window = bytes.subarray(0, offset - windowStart);
	const last = window.length - 1;
	if (window[last] !== 10 && window[last] !== 13) return false; // not a line boundary
	if (window[last] === 13 && atOffset === 10) return false;
	const termLength = window[last] === 10 && last > 0 && window[last - 1] === 13 ? 2 : 1;
	let start = -1;
	for (let i = last - termLength; i >= 0; i--) {
		if (window[i] === 10 || window[i] === 13) {
			start = i + 1;
			break;
		}
	}
	if (start === -1 && windowStart > 0) {
		// The line is longer than the window: its cut text starts before the window. Rare enough to read the input
		// from the start, through the same reader as the import.
		return (await checksumOfLineEndingAt(spec, offset, options)) === entry.lastLineSha1;
	}
	if (start === -1) start = 0;
	// Decode through the same reader as the import (surrogates, BOM, the cut of oversized lines).
	const text = await lastLineOf(window.subarray(start), windowStart + start, options);
	return text !== null && lineChecksum(text) === entry.lastLineSha1;
}

/** The text of the last line in `bytes`, decoded by `readLines` as in the import. */
async function lastLineOf(bytes: Buffer, baseOffset: number, options: FindCheckpointOptions): Promise<string | null> {
	const input: OpenedInput = {
		spec: {id: -1, path: '', displayName: ''},
		size: bytes.length,
		compression: 'none',
		rawBytesRead: () => bytes.length,
		chunks: (async function* () {
			yield bytes;
		})(),
		close: async () => {},
	};
	let text: string | null = null;
	for await (const batch of readLines(input, {...options, baseOffset})) text = batch.lines[batch.lines.length - 1];
	return text;
}

/** The checksum of the line that ends exactly at `offset`, reading the input from its start. */
async function checksumOfLineEndingAt(spec: InputSpec, offset: number, options: FindCheckpointOptions): Promise<string | null> {
	const input = await openInput(spec);
	try {
		for await (const batch of readLines(input, options)) {
			for (let i = 0; i < batch.ends.length; i++) {
				if (batch.ends[i] === offset) return lineChecksum(batch.lines[i]);
				if (batch.ends[i] > offset) return null;
			}
		}
		return null;
	} finally {
		await input.close();
	}
}
