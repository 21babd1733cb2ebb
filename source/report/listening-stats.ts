/**
 * The listening figures of the summary (`--track-listening-time`, issue 5), per mount point: what broadcast
 * regulators and royalty societies ask stations for.
 *
 * - listeners: connections (one per access-log line that became a listen, zero-second ones included: they are
 *   connections, and Matomo's event count is the same number);
 * - listening hours, the aggregate tuning hours (ATH): total seconds listened / 3600. Exact;
 * - average connection duration: total seconds / connections. Exact;
 * - median connection duration: exact while a mount has at most `exactMedianLimit` connections (4,096 by default:
 *   the durations are kept and sorted). Above that, a histogram bounds the memory (≤ 126 KB per mount): 1-second
 *   buckets below 6 hours (exact for whole-second durations, which Icecast and SHOUTcast write; otherwise the whole
 *   second below), 1-minute buckets from 6 hours to 7 days (the bucket's middle: within 30 s), and one bucket above
 *   7 days (the median then reads as 7 days, `medianPrecisionSeconds: null`);
 * - peak concurrent listeners: a sweep over +1 at each start and −1 at each end, a listen covering [start, end)
 *   (someone who leaves at 10:00:00 and someone who arrives at 10:00:00 were not listening together; a zero-second
 *   connection never counts). The +1/−1 are summed per second of the whole seconds of the times, in chunks of 3,600
 *   buckets allocated only where listens start or end: memory grows with the time span covered (14 KB per mount per
 *   hour with any start or end, about 0.35 MB per mount for a day of logs), never with the number of listeners, and
 *   the peak is exact at 1-second resolution. Past `maxPeakChunks` chunks (744, a month at 1 s) the counters are
 *   merged into 1-minute buckets, then 1-hour ones: the peak is then the largest count seen at the bucket
 *   boundaries, a lower bound that can miss a peak shorter than a bucket (`peakResolutionSeconds` says which).
 *
 * Plain data in, plain data out: the engine calls `add()` for each listen and renders `summary()` at the end.
 */
import type {MountSummary} from '../core/run-state.js';

export type {MountSummary} from '../core/run-state.js';
import type {Listen} from '../track/listening-time.js';

export interface ListeningStatsOptions {
	/** Connections per mount up to which the median is exact (default 4,096). */
	exactMedianLimit?: number;
	/** Chunks of 3,600 counters per mount before the peak counters coarsen (default 744). */
	maxPeakChunks?: number;
}

const FINE_LIMIT = 6 * 3600;
const COARSE_STEP = 60;
const COARSE_LIMIT = 7 * 86400;
const COARSE_BUCKETS = (COARSE_LIMIT - FINE_LIMIT) / COARSE_STEP;
const CHUNK = 3600;
const COARSEN_FACTOR = 60;
const MAX_RESOLUTION = 3600;

/** A growable counter array, allocated up to the largest index used. */
function grow(array: Uint32Array, index: number, limit: number): Uint32Array {
	if (index < array.length) return array;
	const next = new Uint32Array(Math.min(limit, Math.max(index + 1, array.length * 2, 64)));
	next.set(array);
	return next;
}

/** Durations → median: exact list first, then the histogram. */
class DurationMedian {
	private exact: number[] | null = [];
	private fine: Uint32Array = new Uint32Array(0);
	private coarse: Uint32Array = new Uint32Array(0);
	private count = 0;

	constructor(private readonly exactLimit: number) {}

	add(seconds: number): void {
		this.count++;
		if (this.exact !== null) {
			this.exact.push(seconds);
			if (this.exact.length <= this.exactLimit) return;
			const values = this.exact;
			this.exact = null;
			for (const value of values) this.bucket(value);
			return;
		}

		this.bucket(seconds);
	}

	private bucket(seconds: number): void {
		if (seconds < FINE_LIMIT) {
			const index = Math.floor(seconds);
			this.fine = grow(this.fine, index, FINE_LIMIT);
			this.fine[index]++;
		} else if (seconds < COARSE_LIMIT) {
			const index = Math.floor((seconds - FINE_LIMIT) / COARSE_STEP);
			this.coarse = grow(this.coarse, index, COARSE_BUCKETS);
			this.coarse[index]++;
		}

		// Longer listens are only counted: a median among them is reported as 7 days.
	}

	/** [median, precision]. */
	median(): [number, number | null] {
		if (this.count === 0) return [0, 0];
		if (this.exact !== null) {
			const sorted = Float64Array.from(this.exact).sort();
			const middle = sorted.length >> 1;
			const value = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
			return [value, 0];
		}

		// The two middle order statistics (the same one for an odd count), 0-based.
		const low = this.nth((this.count - 1) >> 1);
		const high = this.nth(this.count >> 1);
		const precisions = [low[1], high[1]];
		const precision = precisions.includes(null) ? null : Math.max(...(precisions as number[]));
		return [(low[0] + high[0]) / 2, precision];
	}

	/** The value of rank `rank` (0-based) and its precision. */
	private nth(rank: number): [number, number | null] {
		let seen = 0;
		for (let index = 0; index < this.fine.length; index++) {
			seen += this.fine[index];
			if (seen > rank) return [index, 1];
		}

		for (let index = 0; index < this.coarse.length; index++) {
			seen += this.coarse[index];
			if (seen > rank) return [FINE_LIMIT + index * COARSE_STEP + COARSE_STEP / 2, COARSE_STEP / 2];
		}

		return [COARSE_LIMIT, null];
	}
}

/** Concurrent listeners: per-bucket sums of +1 (start) and −1 (end), in lazily allocated chunks. */
class Concurrency {
	private chunks = new Map<number, Int32Array>();
	private resolution = 1;

	constructor(private readonly maxChunks: number) {}

	add(startSeconds: number, endSeconds: number): void {
		// Same bucket: the listen never covers a bucket boundary and cannot change any count.
		const start = Math.floor(startSeconds / this.resolution);
		const end = Math.floor(endSeconds / this.resolution);
		if (start === end) return;
		this.bump(start, 1);
		this.bump(end, -1);
		if (this.chunks.size > this.maxChunks && this.resolution < MAX_RESOLUTION) this.coarsen();
	}

	private bump(bucket: number, delta: number): void {
		const index = Math.floor(bucket / CHUNK);
		let chunk = this.chunks.get(index);
		if (chunk === undefined) {
			chunk = new Int32Array(CHUNK);
			this.chunks.set(index, chunk);
		}

		chunk[bucket - index * CHUNK] += delta;
	}

	/**
	 * Sum every 60 buckets into one. Summing the net +1/−1 of a bucket's seconds keeps the count at each new bucket
	 * boundary exact; only what happened between boundaries is lost.
	 */
	private coarsen(): void {
		const old = this.chunks;
		this.chunks = new Map();
		this.resolution *= COARSEN_FACTOR;
		for (const [index, chunk] of old) {
			for (let offset = 0; offset < CHUNK; offset++) {
				const delta = chunk[offset];
				if (delta !== 0) this.bump(Math.floor((index * CHUNK + offset) / COARSEN_FACTOR), delta);
			}
		}
	}

	/** [peak, UTC seconds of its first bucket or null, resolution]. */
	peak(): [number, number | null, number] {
		let running = 0;
		let peak = 0;
		let at: number | null = null;
		for (const index of [...this.chunks.keys()].sort((a, b) => a - b)) {
			const chunk = this.chunks.get(index)!;
			for (let offset = 0; offset < CHUNK; offset++) {
				running += chunk[offset];
				if (running > peak) {
					peak = running;
					at = (index * CHUNK + offset) * this.resolution;
				}
			}
		}

		return [peak, at, this.resolution];
	}
}

class MountStats {
	listeners = 0;
	totalSeconds = 0;
	readonly median: DurationMedian;
	readonly concurrency: Concurrency;

	constructor(options: Required<ListeningStatsOptions>) {
		this.median = new DurationMedian(options.exactMedianLimit);
		this.concurrency = new Concurrency(options.maxPeakChunks);
	}

	add(listen: Listen): void {
		this.listeners++;
		this.totalSeconds += listen.durationSeconds;
		this.median.add(listen.durationSeconds);
		this.concurrency.add(listen.startSeconds, listen.hit.seconds);
	}

	summary(mount: string): MountSummary {
		const [medianSeconds, medianPrecisionSeconds] = this.median.median();
		const [peakListeners, peakAtSeconds, peakResolutionSeconds] = this.concurrency.peak();
		return {
			mount,
			listeners: this.listeners,
			totalSeconds: this.totalSeconds,
			listeningHours: this.totalSeconds / 3600,
			averageSeconds: this.listeners === 0 ? 0 : this.totalSeconds / this.listeners,
			medianSeconds,
			medianPrecisionSeconds,
			peakListeners,
			peakAtSeconds,
			peakResolutionSeconds,
		};
	}
}

export class ListeningStats {
	private readonly mounts = new Map<string, MountStats>();
	private readonly all: MountStats;
	private readonly options: Required<ListeningStatsOptions>;

	constructor(options: ListeningStatsOptions = {}) {
		this.options = {exactMedianLimit: options.exactMedianLimit ?? 4096, maxPeakChunks: options.maxPeakChunks ?? 744};
		this.all = new MountStats(this.options);
	}

	add(listen: Listen): void {
		let stats = this.mounts.get(listen.mount);
		if (stats === undefined) {
			stats = new MountStats(this.options);
			this.mounts.set(listen.mount, stats);
		}

		stats.add(listen);
		this.all.add(listen);
	}

	/** Per mount point, in mount order (stable from one day's report to the next). */
	summary(): MountSummary[] {
		return [...this.mounts.keys()].sort().map(mount => this.mounts.get(mount)!.summary(mount));
	}

	/** All mount points together (the station's total; its peak counts listeners of any mount); null when empty. */
	total(): MountSummary | null {
		return this.all.listeners === 0 ? null : this.all.summary('*');
	}
}

/** `h:mm:ss`, rounded to the second: `0:22:30`, `26:00:00`. */
export function formatDuration(seconds: number): string {
	const whole = Math.round(seconds);
	const minutes = String(Math.floor(whole / 60) % 60).padStart(2, '0');
	return `${Math.floor(whole / 3600)}:${minutes}:${String(whole % 60).padStart(2, '0')}`;
}

function formatUtc(seconds: number): string {
	return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
}

function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function mountLine(summary: MountSummary, label: string): string {
	const median =
		summary.medianPrecisionSeconds === null
			? `over ${formatDuration(summary.medianSeconds)}`
			: (summary.medianPrecisionSeconds > 1 ? '~' : '') + formatDuration(summary.medianSeconds);
	const peak =
		summary.peakAtSeconds === null
			? 'no concurrent listeners'
			: `peak ${summary.peakResolutionSeconds > 1 ? '≥ ' : ''}${summary.peakListeners} concurrent at ${formatUtc(summary.peakAtSeconds)}`;
	return (
		`    ${label}: ${plural(summary.listeners, 'listener')}, ${summary.listeningHours.toFixed(2)} listening hours (ATH), ` +
		`average ${formatDuration(summary.averageSeconds)}, median ${median}, ${peak}`
	);
}

/**
 * The "Listening summary" section, in the style of the import summary (a title, dashes, four-space indent): one line
 * per mount point, then the total when there are several.
 */
export function renderListeningSummary(summary: readonly MountSummary[], total: MountSummary | null = null): string {
	const out = ['Listening summary', '-----------------', ''];
	if (summary.length === 0) out.push('    No listens (--track-listening-time needs an icecast2 or shoutcast log).');
	for (const mount of summary) out.push(mountLine(mount, mount.mount));
	if (total !== null && summary.length > 1) out.push(mountLine(total, 'all mount points'));
	out.push('', '    Durations are h:mm:ss. ATH (aggregate tuning hours) = total seconds listened / 3600.', '');
	return out.join('\n');
}

/** The same for `--json`: `{mounts: [...], total}`, times as ISO 8601 UTC and seconds rounded to the millisecond. */
export function listeningSummaryJson(summary: readonly MountSummary[], total: MountSummary | null = null): Record<string, unknown> {
	const plain = (mount: MountSummary): Record<string, unknown> => ({
		mount: mount.mount,
		listeners: mount.listeners,
		listeningHours: Math.round(mount.listeningHours * 1000) / 1000,
		totalSeconds: Math.round(mount.totalSeconds * 1000) / 1000,
		averageSeconds: Math.round(mount.averageSeconds * 1000) / 1000,
		medianSeconds: mount.medianSeconds,
		medianPrecisionSeconds: mount.medianPrecisionSeconds,
		peakListeners: mount.peakListeners,
		peakAt: mount.peakAtSeconds === null ? null : new Date(mount.peakAtSeconds * 1000).toISOString(),
		peakResolutionSeconds: mount.peakResolutionSeconds,
	});
	return {mounts: summary.map(plain), total: total === null ? null : plain(total)};
}
