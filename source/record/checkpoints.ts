/**
 * Checkpoints of a run: where each input was imported up to (its watermark), saved atomically as acknowledgements
 * come in, and looked up at the start so that running the same command again continues after it.
 *
 * After a SIGKILL, a re-run resends the requests that were in flight and at most what Matomo acknowledged in the
 * last few milliseconds; lines acknowledged ahead of the watermark (lanes run concurrently) are skipped.
 */
import {createHash} from 'node:crypto';
import path from 'node:path';
import type {InputSpec} from '../input/types.js';
import type {InputWatermark} from './watermark.js';
import {
	CheckpointStore,
	defaultStatePath,
	fingerprintInput,
	fingerprintOfPrefix,
	findCheckpoint,
	lineChecksum,
	rawIdentity,
	readFingerprintPrefix,
	type CheckpointEntry,
	type InputFingerprint,
	type RawIdentity,
} from './checkpoint-store.js';
import {RunLock} from './run-lock.js';

export interface StateScope {
	url: string | undefined;
	idsite: string | undefined;
	idsiteFallback: string | undefined;
	addSitesNewHosts: boolean;
	replayTracking: boolean;
}

/**
 * The default state file of an import: one per Matomo and site selection, so that the same log imported into
 * another Matomo (or another site) is a new import, not a resume. Credentials in the URL are left out.
 */
export function scopedStatePath(scope: StateScope, env: NodeJS.ProcessEnv = process.env): string {
	let url = scope.url ?? 'offline';
	try {
		const parsed = new URL(url);
		parsed.username = '';
		parsed.password = '';
		url = parsed.href.replace(/\/+$/, '');
	} catch {}

	const sites =
		scope.idsite === undefined
			? `by-host fallback=${scope.idsiteFallback ?? ''} add=${scope.addSitesNewHosts} replay=${scope.replayTracking}`
			: `idsite=${scope.idsite}`;
	const key = createHash('sha256').update(`${url}\n${sites}`).digest('hex').slice(0, 16);
	return path.join(path.dirname(defaultStatePath(env)), 'imports', `${key}.json`);
}

export interface ResumePoint {
	entry: CheckpointEntry;
}

interface Tracked {
	spec: InputSpec;
	fingerprint: InputFingerprint;
	watermark: InputWatermark;
	previous: CheckpointEntry | undefined;
	complete: boolean;
	raw: RawIdentity | undefined;
	/** What was last put in the store for it: a save writes only the inputs that moved. */
	saved: SavedPosition | undefined;
	/**
	 * The watermark's version and `complete` when last looked at: a save looks no further at an input that has not
	 * moved (thousands of small files leave many finished ones waiting for their last answers).
	 */
	seen: {version: number; complete: boolean};
}

export class Checkpoints {
	private readonly tracked = new Map<number, Tracked>();
	/** What the lookup of each input found out, for `track` and `unchanged` (one read of each input's first bytes). */
	private readonly identities = new Map<number, {raw: RawIdentity | null; fingerprint?: InputFingerprint; unchanged: boolean}>();
	private scheduled: NodeJS.Timeout | undefined;
	private lastSave = 0;
	/** Milliseconds between quick saves: adapts to what a save costs (quickSaveInterval). */
	private saveInterval = 15;
	private lastError: string | undefined;

	private constructor(
		private readonly store: CheckpointStore,
		/** False for a dry run: it reads checkpoints but moves none. */
		private readonly writable: boolean,
		private readonly lock: RunLock | undefined,
		private readonly onSaveFailure: ((message: string) => void) | undefined,
	) {}

	/**
	 * Opens the state of a run. Writable: takes the run lock (LockedError when another run holds it) and proves that
	 * progress can be saved, by saving the state as it is, before anything is sent: a read-only directory or a full
	 * disk would otherwise import everything again on every run. A save that fails later calls `onSaveFailure`
	 * (the run then stops sending).
	 */
	static async open(path: string, writable: boolean, options: {onSaveFailure?: (message: string) => void} = {}): Promise<Checkpoints> {
		const store = await CheckpointStore.open(path);
		if (!writable) return new Checkpoints(store, false, undefined, undefined);
		let lock: RunLock;
		try {
			lock = RunLock.acquire(path);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === undefined) throw error;
			throw new Error(saveFailureMessage(path, (error as Error).message, false), {cause: error});
		}

		try {
			store.checkWritable();
		} catch (error) {
			lock.release();
			throw new Error(saveFailureMessage(path, (error as Error).message, false), {cause: error});
		}

		return new Checkpoints(store, true, lock, options.onSaveFailure);
	}

	/** Frees the run lock (after the last flush). */
	close(): void {
		this.cancelScheduled();
		this.lock?.release();
	}

	get path(): string {
		return this.store.path;
	}

	/** The checkpoint of an input, verified against its content; `changed` when one matched by fingerprint but not by its last line. */
	async lookup(spec: InputSpec, encoding: string): Promise<{resume?: ResumePoint; changed?: CheckpointEntry}> {
		let raw: RawIdentity | null;
		try {
			raw = rawIdentity(spec);
		} catch {
			raw = null;
		}

		const identity: {raw: RawIdentity | null; fingerprint?: InputFingerprint; unchanged: boolean} = {
			raw,
			unchanged: false,
		};
		this.identities.set(spec.id, identity);
		if (raw) {
			// The same bytes as when its import completed: nothing to read, nothing to decompress.
			const same = this.store.findUnchanged(raw);
			if (same) {
				identity.unchanged = true;
				if (this.writable) this.store.touch(same);
				return {resume: {entry: same}};
			}
		}

		const prefix = raw && !raw.compressed ? raw.head : await readFingerprintPrefix(spec);
		// Kept per input until it is tracked: not its bytes.
		if (raw) raw.head = Buffer.alloc(0);
		if (prefix === null) return {};
		identity.fingerprint = fingerprintOfPrefix(prefix);
		const found = await findCheckpoint(this.store, spec, {encoding}, prefix);
		if (!found) return {};
		if (found.verified && this.writable) this.store.touch(found.entry);
		return found.verified ? {resume: {entry: found.entry}} : {changed: found.entry};
	}

	/** Whether the last lookup of an input found it byte for byte as when its import completed. */
	unchanged(input: number): boolean {
		return this.identities.get(input)?.unchanged === true;
	}

	/** Start recording the progress of an input (not stdin: it has no identity to resume). */
	async track(spec: InputSpec, watermark: InputWatermark, previous: CheckpointEntry | undefined): Promise<void> {
		if (!this.writable) return;
		const known = this.identities.get(spec.id);
		this.identities.delete(spec.id);
		const fingerprint = known?.fingerprint ?? (await fingerprintInput(spec));
		if (!fingerprint || fingerprint.prefixLength === 0) return;
		this.tracked.set(spec.id, {
			spec,
			fingerprint,
			watermark,
			previous,
			complete: false,
			raw: known?.raw ?? undefined,
			saved: undefined,
			seen: {version: -1, complete: false},
		});
	}

	/** The input was read to its end: once every hit is acknowledged, it is complete. */
	finished(input: number): void {
		const tracked = this.tracked.get(input);
		if (tracked) tracked.complete = true;
		this.changed();
	}

	/**
	 * Something moved (an acknowledgement, a line done): save with a quick synchronous write (no fsync), at once when
	 * the last save is old enough (15 to 50 ms: quickSaveInterval), else when it will be. The checkpoint so trails
	 * Matomo's answers by moments, not by batches: a killed run resends little more than what was in flight.
	 */
	changed(): void {
		if (!this.writable || this.scheduled) return;
		const wait = this.lastSave + this.saveInterval - Date.now();
		// Due: save now, in the acknowledgement itself (a busy event loop would delay a scheduled save).
		if (wait <= 0) this.quickSave();
		else this.scheduled = setTimeout(() => this.quickSave(), wait);
	}

	/** The last save of a run (or of a stop): durable (fsync). */
	async flush(): Promise<void> {
		if (!this.writable) return;
		this.cancelScheduled();
		this.updateEntries();
		try {
			await this.store.save({durable: true});
		} catch (error) {
			this.saveFailed(error);
		}
	}

	/** Why the last save failed, if it did (shown once as a notice). */
	takeError(): string | undefined {
		const error = this.lastError;
		this.lastError = undefined;
		return error;
	}

	/** Progress that cannot be saved would be sent again by every later run: the run is told to stop sending. */
	private saveFailed(error: unknown): void {
		const first = this.lastError === undefined;
		this.lastError = (error as Error).message;
		if (first) this.onSaveFailure?.(saveFailureMessage(this.store.path, this.lastError, true));
	}

	private cancelScheduled(): void {
		clearTimeout(this.scheduled);
		this.scheduled = undefined;
	}

	private quickSave(): void {
		this.scheduled = undefined;
		this.lastSave = Date.now();
		// What a save costs is the entries made as well as the write: thousands of lines acknowledged ahead (bot
		// detection holding hits, many lanes) make an entry long.
		const started = performance.now();
		if (!this.updateEntries()) return;
		try {
			this.store.saveQuickSync();
		} catch (error) {
			this.saveFailed(error);
		}

		this.saveInterval = quickSaveInterval(performance.now() - started);
	}

	/** Put every tracked input's position in the store; false when there is nothing to record yet. */
	private updateEntries(): boolean {
		let any = false;
		for (const [id, tracked] of this.tracked) {
			const {seen} = tracked;
			const {version} = tracked.watermark;
			if (seen.version === version && seen.complete === tracked.complete) continue;
			seen.version = version;
			seen.complete = tracked.complete;
			const position = tracked.watermark.position();
			const ackedAhead = mergeRanges(tracked.watermark.ackedAhead(), tracked.previous?.ackedAhead, position.lineNo);
			const complete = tracked.complete && tracked.watermark.pending === 0;
			// Nothing acknowledged yet. Lines acknowledged ahead of a first line still unacknowledged are recorded.
			if (position.offset === 0 && ackedAhead.length === 0 && !complete) continue;
			const saved: SavedPosition = {offset: position.offset, lineNo: position.lineNo, complete, ackedAhead};
			if (tracked.saved !== undefined && samePosition(saved, tracked.saved)) continue;
			tracked.saved = saved;
			// A complete file keeps what it is on disk, to be known again without reading it (a plain file only
			// when it had not grown since it was looked up).
			const raw = complete && tracked.raw && (tracked.raw.compressed || tracked.raw.size === position.offset) ? tracked.raw : undefined;
			const entry: CheckpointEntry = {
				fingerprint: tracked.fingerprint.hash,
				prefixLength: tracked.fingerprint.prefixLength,
				headHash: tracked.fingerprint.head,
				path: tracked.spec.path,
				offset: position.offset,
				lineNo: position.lineNo,
				// Nothing new since the resume: keep the checksum we verified (the line's text was not read this time).
				lastLineSha1:
					position.offset === 0
						? ''
						: tracked.previous && position.offset === tracked.previous.offset
							? tracked.previous.lastLineSha1
							: lineChecksum(position.lastLine),
				ackedAhead,
				complete,
				updatedAt: new Date().toISOString(),
				// A plain file's raw fingerprint is its fingerprint: one string, not two, for each of thousands of files.
				...(raw
					? {
							rawSize: raw.size,
							rawMtimeMs: raw.mtimeMs,
							rawFingerprint: raw.fingerprint === tracked.fingerprint.hash ? tracked.fingerprint.hash : raw.fingerprint,
						}
					: {}),
			};
			this.store.update(entry, tracked.previous);
			// Done with it: a run over thousands of files looks only at those still moving.
			if (complete) this.tracked.delete(id);
			any = true;
		}

		return any;
	}
}

/** What an input's entry last said of its progress: the same again is not written again. */
interface SavedPosition {
	offset: number;
	lineNo: number;
	complete: boolean;
	ackedAhead: ReadonlyArray<[number, number]>;
}

/** Compared number by number: thousands of ranges acknowledged ahead (bot detection holding hits) made a long string each save. */
function samePosition(a: SavedPosition, b: SavedPosition): boolean {
	if (a.offset !== b.offset || a.lineNo !== b.lineNo || a.complete !== b.complete || a.ackedAhead.length !== b.ackedAhead.length) return false;
	for (let i = 0; i < a.ackedAhead.length; i++) {
		const [from, to] = a.ackedAhead[i]!;
		const [otherFrom, otherTo] = b.ackedAhead[i]!;
		if (from !== otherFrom || to !== otherTo) return false;
	}

	return true;
}

function saveFailureMessage(path: string, reason: string, during: boolean): string {
	const what = during
		? 'progress can no longer be saved, so nothing more is sent (what Matomo acknowledged since the last save is sent again next time)'
		: 'progress could not be saved, so nothing was sent';
	return (
		`${what}: ${reason}. Free disk space or make ${path.slice(0, path.lastIndexOf('/') + 1) || 'its directory'} writable ` +
		`(or choose another state file with --state-file), then run the same command again.`
	);
}

/**
 * Milliseconds between quick saves, after one that took `saveMs`. A save is the entries of the inputs that moved,
 * then a write and a rename: a few hundred µs on most disks, a millisecond or more on some (overlay file systems,
 * network mounts) or with long entries. Every 15 ms at least; less often when saving costs more, so that it takes at
 * most some 2% of the run's thread; never more than 50 ms apart, which bounds what a killed run sends twice: the
 * answers of those 50 ms.
 */
export function quickSaveInterval(saveMs: number): number {
	return Math.min(50, Math.max(15, saveMs * 50));
}

/**
 * This run's acknowledged-ahead lines plus those of the run it resumed from that it has not reached yet: a resumed
 * run killed again must still skip them next time.
 */
function mergeRanges(current: Array<[number, number]>, previous: ReadonlyArray<[number, number]> | undefined, from: number): Array<[number, number]> {
	if (!previous || previous.length === 0) return current;
	const all = [...current];
	for (const [a, b] of previous) {
		if (b < from) continue;
		all.push([Math.max(a, from), b]);
	}

	all.sort((x, y) => x[0] - y[0]);
	const merged: Array<[number, number]> = [];
	for (const range of all) {
		const last = merged.at(-1);
		if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
		else merged.push([range[0], range[1]]);
	}

	return merged;
}
