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
import {CheckpointStore, defaultStatePath, fingerprintInput, findCheckpoint, lineChecksum, type CheckpointEntry} from './checkpoint-store.js';

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

	const sites = scope.idsite === undefined
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
	fingerprint: {hash: string; prefixLength: number};
	watermark: InputWatermark;
	previous: CheckpointEntry | undefined;
	complete: boolean;
}

export class Checkpoints {
	private readonly tracked = new Map<number, Tracked>();
	private scheduled: NodeJS.Timeout | undefined;
	private lastSave = 0;
	/** Milliseconds between quick saves: adapts to what a save costs (quickSaveInterval). */
	private saveInterval = 15;
	private lastError: string | undefined;

	private constructor(
		private readonly store: CheckpointStore,
		/** False for a dry run: it reads checkpoints but moves none. */
		private readonly writable: boolean,
	) {}

	static async open(path: string, writable: boolean): Promise<Checkpoints> {
		return new Checkpoints(await CheckpointStore.open(path), writable);
	}

	get path(): string {
		return this.store.path;
	}

	/** The checkpoint of an input, verified against its content; `changed` when one matched by fingerprint but not by its last line. */
	async lookup(spec: InputSpec, encoding: string): Promise<{resume?: ResumePoint; changed?: CheckpointEntry}> {
		const found = await findCheckpoint(this.store, spec, {encoding});
		if (!found) return {};
		return found.verified ? {resume: {entry: found.entry}} : {changed: found.entry};
	}

	/** Start recording the progress of an input (not stdin: it has no identity to resume). */
	async track(spec: InputSpec, watermark: InputWatermark, previous: CheckpointEntry | undefined): Promise<void> {
		if (!this.writable) return;
		const fingerprint = await fingerprintInput(spec);
		if (!fingerprint || fingerprint.prefixLength === 0) return;
		this.tracked.set(spec.id, {spec, fingerprint, watermark, previous, complete: false});
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
		if (this.updateEntries()) {
			try {
				await this.store.save({durable: true});
			} catch (error) {
				this.lastError = (error as Error).message;
			}
		}
	}

	/** Why the last save failed, if it did (shown once as a notice). */
	takeError(): string | undefined {
		const error = this.lastError;
		this.lastError = undefined;
		return error;
	}

	private cancelScheduled(): void {
		clearTimeout(this.scheduled);
		this.scheduled = undefined;
	}

	private quickSave(): void {
		this.scheduled = undefined;
		this.lastSave = Date.now();
		if (!this.updateEntries()) return;
		const started = performance.now();
		try {
			this.store.saveQuickSync();
		} catch (error) {
			this.lastError = (error as Error).message;
		}

		this.saveInterval = quickSaveInterval(performance.now() - started);
	}

	/** Put every tracked input's position in the store; false when there is nothing to record yet. */
	private updateEntries(): boolean {
		let any = false;
		for (const tracked of this.tracked.values()) {
			const position = tracked.watermark.position();
			if (position.offset === 0) continue;
			const entry: CheckpointEntry = {
				fingerprint: tracked.fingerprint.hash,
				prefixLength: tracked.fingerprint.prefixLength,
				path: tracked.spec.path,
				offset: position.offset,
				lineNo: position.lineNo,
				// Nothing new since the resume: keep the checksum we verified (the line's text was not read this time).
				lastLineSha1: tracked.previous && position.offset === tracked.previous.offset ? tracked.previous.lastLineSha1 : lineChecksum(position.lastLine),
				ackedAhead: mergeRanges(tracked.watermark.ackedAhead(), tracked.previous?.ackedAhead, position.lineNo),
				complete: tracked.complete && tracked.watermark.pending === 0,
				updatedAt: new Date().toISOString(),
			};
			this.store.update(entry, tracked.previous);
			any = true;
		}

		return any;
	}
}

/**
 * Milliseconds between quick saves, after one that took `saveMs`. A save is a write and a rename: a few hundred µs
 * on most disks, a millisecond or more on some (overlay file systems, network mounts). Every 15 ms at least; on a
 * slow disk less often, so that saving costs at most some 2% of the run's thread; never more than 50 ms apart, which
 * bounds what a killed run sends twice: the answers of those 50 ms.
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
