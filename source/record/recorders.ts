/**
 * The recorders: lanes of hits to Matomo. All hits of one visitor go to the same lane, in log order, and a lane
 * has at most one request in flight, so a visitor's hits reach Matomo in order. p-queue bounds the requests in
 * flight over all lanes (the concurrency, which may change while running). Batches leave on size or on a short
 * timer. A failed batch is retried with backoff; when Matomo says how many hits it tracked, only the rest is resent.
 */
import PQueue from 'p-queue';
import type {LaneState, MatomoErrorSample, RunState} from '../core/run-state.js';
import {nextSampleSeq, pushRing} from '../core/run-state.js';
import {AdaptiveBatchSize, AdaptiveConcurrency} from './adaptive.js';
import {HitBatch, visitorHash, type EncodedRequests} from './hit-batch.js';

export {HitBatch} from './hit-batch.js';

export interface BulkAnswer {
	tracked: number | null;
	invalid: number | null;
	invalidIndices: number[];
	/** The answer as Matomo sent it (its debug output with --debug-tracker). */
	rawBody?: string;
}

/** What a failed request tells us (the Matomo client's MatomoError has this shape). */
export interface SendFailure {
	message: string;
	kind?: string;
	status?: number;
	tracked?: number;
	retryable?: boolean;
}

export interface BulkSender {
	sendBulk(requests: EncodedRequests, signal?: AbortSignal): Promise<BulkAnswer>;
}

export interface RecorderOptions {
	lanes: number;
	concurrency: number;
	payloadSize: number;
	/** Flush a lane's partial batch after this long. */
	flushIntervalMs: number;
	/** Most hits waiting in all lanes before the reader has to wait. */
	maxQueued: number;
	retryMaxAttempts: number;
	retryDelayMs: number;
	/** Seconds between single hits (--debug-force-one-hit-every-Ns). */
	spacingMs?: number;
	/**
	 * Trust the `tracked` count of an error answer: the first `tracked` hits are done, resend the rest. False for a
	 * Matomo that rolls a failed batch back (then the count describes work that was undone).
	 */
	trustTrackedCount: boolean;
	/**
	 * --recorders=auto: find the concurrency that maximises Matomo's throughput, and the batch size that keeps its
	 * answers prompt (see adaptive.ts).
	 */
	adaptive?: boolean;
}

/** --recorders=auto keeps requests answering in about this long (AdaptiveBatchSize), with at least this many hits. */
const targetAnswerMs = 2000;
const minAdaptiveBatch = 10;

/** Batches kept for reuse once sent: for the lanes whose batch leaves next; more would only hold their buffers. */
const maxSpareBatches = 4;

export interface RecorderEvents {
	/** Matomo acknowledged hits `from` to `to` (exclusive) of the batch; `invalid` lists those it reported invalid. */
	acknowledged(batch: HitBatch, from: number, to: number, invalid: readonly number[]): void;
	/** Retries are exhausted or the error cannot be retried: the import must stop. */
	fatal(message: string): void;
	/** Something worth showing once. */
	notice(message: string): void;
	/** For the UI: a human name of an input. */
	inputName(input: number): string;
	/** Every answer, for --debug-tracker. */
	answered?(answer: BulkAnswer): void;
}

export function backoffMs(attempt: number, baseMs: number): number {
	// Exponential with full jitter, capped at a minute: retries of many lanes do not hit Matomo all at once.
	const ceiling = Math.min(60_000, baseMs * 2 ** Math.max(0, attempt - 1));
	return baseMs === 0 ? 0 : Math.round(ceiling / 2 + Math.random() * ceiling / 2);
}

/** The lane of a visitor's hits: the same on every run. */
export function laneOf(visitor: string, lanes: number): number {
	return visitorHash(visitor) % lanes;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise(resolve => {
		if (signal.aborted || ms <= 0) return resolve();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		}

		signal.addEventListener('abort', done, {once: true});
	});
}

interface Lane {
	state: LaneState;
	/** Waiting hits in batches of at most the payload size; the first may be in flight. */
	batches: HitBatch[];
	/** Hits in `batches` that are not in flight. */
	waiting: number;
	busy: boolean;
	timer: NodeJS.Timeout | undefined;
}

export class Recorders {
	private readonly lanes: Lane[];
	private readonly queue: PQueue;
	private queued = 0;
	/** Batches sent and acknowledged, to be filled again (their buffers have grown to the size requests have). */
	private readonly spare: HitBatch[] = [];
	private waiters: Array<() => void> = [];
	private idleWaiters: Array<() => void> = [];
	private stopped = false;
	private readonly adaptive: AdaptiveConcurrency | undefined;
	private readonly adaptiveBatch: AdaptiveBatchSize | undefined;
	/** Aborts backoff sleeps and in-flight requests when the run is abandoned. */
	readonly abort = new AbortController();

	constructor(
		private readonly sender: BulkSender,
		private readonly options: RecorderOptions,
		private readonly state: RunState,
		private readonly events: RecorderEvents,
	) {
		this.queue = new PQueue({concurrency: Math.max(1, Math.min(options.concurrency, options.lanes))});
		if (options.adaptive) {
			this.adaptive = new AdaptiveConcurrency(this.queue.concurrency, options.lanes, n => this.setConcurrency(n));
			this.adaptiveBatch = new AdaptiveBatchSize(options.payloadSize, Math.min(options.payloadSize, minAdaptiveBatch), options.payloadSize, targetAnswerMs, n => {
				this.state.batchSize = n;
			});
		}

		this.lanes = [];
		for (let id = 0; id < options.lanes; id++) {
			const laneState: LaneState = {id, phase: 'idle', queued: 0, inFlight: 0, requests: 0, hitsSent: 0, retries: 0, lastLatencyMs: null};
			state.lanes.push(laneState);
			this.lanes.push({state: laneState, batches: [], waiting: 0, busy: false, timer: undefined});
		}

		state.concurrency = this.queue.concurrency;
		state.adaptiveConcurrency = options.adaptive === true;
		state.batchSize = this.batchSize;
	}

	get concurrency(): number {
		return this.queue.concurrency;
	}

	/** Change how many requests may be in flight (the `+`/`-` keys, adaptive mode). */
	setConcurrency(n: number): void {
		this.queue.concurrency = Math.max(1, Math.min(this.lanes.length, n));
		this.state.concurrency = this.queue.concurrency;
	}

	/** Hits waiting or in flight. */
	get size(): number {
		return this.queued;
	}

	/** The reader must wait (`capacity()`) before it adds more hits. */
	get full(): boolean {
		return this.queued >= this.options.maxQueued && !this.stopped;
	}

	/** Resolves when the reader may add more hits (backpressure). */
	async capacity(): Promise<void> {
		if (!this.full) return;
		await new Promise<void>(resolve => this.waiters.push(resolve));
	}

	/**
	 * Queue one request for the visitor's lane. `seq` is the hit's number in its input's watermark; `part` groups the
	 * requests of one line (0: the line made only this one).
	 */
	add(query: string, visitor: string, input: number, lineNo: number, seq: number, part = 0): void {
		const lane = this.lanes[laneOf(visitor, this.lanes.length)]!;
		this.batchFor(lane).add(query, input, lineNo, seq, part);
		this.added(lane);
	}

	/** The same for a request already encoded as a bulk JSON entry (`entries[from, to)`), by its visitor's hash. */
	addEntry(entries: Buffer, from: number, to: number, visitorHash: number, input: number, lineNo: number, seq: number): void {
		const lane = this.lanes[visitorHash % this.lanes.length]!;
		this.batchFor(lane).addEntry(entries, from, to, input, lineNo, seq);
		this.added(lane);
	}

	private batchFor(lane: Lane): HitBatch {
		let batch = lane.batches.at(-1);
		if (batch === undefined || this.isFull(batch) || batch.inFlight) {
			batch = this.spare.pop() ?? new HitBatch(this.options.payloadSize);
			lane.batches.push(batch);
		}

		return batch;
	}

	/** Hits per request now: the payload size, or less where --recorders=auto chose less. */
	private get batchSize(): number {
		return this.adaptiveBatch?.value ?? this.options.payloadSize;
	}

	/** A batch leaves when it has as many hits as a request takes now. */
	private isFull(batch: HitBatch): boolean {
		return batch.count >= this.batchSize;
	}

	private added(lane: Lane): void {
		lane.waiting++;
		lane.state.queued = lane.waiting;
		this.queued++;
		if (this.isFull(lane.batches[0]!)) {
			this.dispatch(lane);
		} else {
			lane.timer ??= setTimeout(() => {
				lane.timer = undefined;
				this.dispatch(lane);
			}, this.options.flushIntervalMs);
		}
	}

	/** Send every partial batch now (end of the input). */
	flush(): void {
		for (const lane of this.lanes) this.dispatch(lane);
	}

	/** Resolves when nothing is waiting or in flight. */
	async drain(): Promise<void> {
		this.flush();
		if (this.queued === 0) return;
		await new Promise<void>(resolve => this.idleWaiters.push(resolve));
	}

	/**
	 * Stop: no new batches. In-flight requests finish (their answer still moves the checkpoint); with
	 * `abandon`, backoff waits end at once and queued hits are dropped (they will be read again on resume).
	 */
	stop(abandon: boolean): void {
		this.stopped = true;
		for (const lane of this.lanes) {
			if (lane.timer) clearTimeout(lane.timer);
			lane.timer = undefined;
			if (abandon || !lane.busy) {
				// The batch in flight (if any) stays: its answer still moves the checkpoint, and it counts itself out.
				this.queued -= lane.waiting;
				lane.waiting = 0;
				lane.batches = lane.batches.filter(batch => batch.inFlight);
				lane.state.queued = 0;
			}
		}

		if (abandon) this.abort.abort();
		this.wake();
	}

	private wake(): void {
		if (!this.full) {
			const waiters = this.waiters;
			this.waiters = [];
			for (const resolve of waiters) resolve();
		}

		if (this.queued === 0) {
			const idle = this.idleWaiters;
			this.idleWaiters = [];
			for (const resolve of idle) resolve();
		}
	}

	private dispatch(lane: Lane): void {
		if (lane.timer) {
			clearTimeout(lane.timer);
			lane.timer = undefined;
		}

		const batch = lane.batches[0];
		if (lane.busy || batch === undefined || batch.count === 0 || this.stopped) return;
		batch.inFlight = true;
		lane.busy = true;
		lane.waiting -= batch.count;
		lane.state.queued = lane.waiting;
		lane.state.inFlight = batch.count;
		lane.state.phase = 'waiting';
		void this.queue.add(async () => this.send(lane, batch)).catch((error: unknown) => {
			this.events.fatal(`recorder failed: ${error instanceof Error ? error.message : String(error)}`);
		}).finally(() => {
			lane.busy = false;
			lane.state.inFlight = 0;
			lane.state.phase = 'idle';
			this.queued -= batch.count;
			if (lane.batches[0] === batch) lane.batches.shift();
			batch.reset();
			if (this.spare.length < maxSpareBatches) this.spare.push(batch);
			const next = lane.batches[0];
			if (!this.stopped && next !== undefined) {
				if (this.isFull(next)) this.dispatch(lane);
				else lane.timer ??= setTimeout(() => {
					lane.timer = undefined;
					this.dispatch(lane);
				}, this.options.flushIntervalMs);
			}

			this.wake();
		});
	}

	private async send(lane: Lane, batch: HitBatch): Promise<void> {
		for (let attempt = 1; ; attempt++) {
			if (this.abort.signal.aborted) return;
			if (this.options.spacingMs) await sleep(this.options.spacingMs, this.abort.signal);
			lane.state.phase = 'sending';
			lane.state.requests++;
			this.state.counters.requests++;
			const started = Date.now();
			const sent = batch.remaining;
			try {
				const answer = await this.sender.sendBulk(batch.requests(), this.abort.signal);
				lane.state.lastLatencyMs = Date.now() - started;
				lane.state.hitsSent += sent;
				this.adaptive?.answered(sent, lane.state.lastLatencyMs);
				this.adaptiveBatch?.answered(lane.state.lastLatencyMs);
				this.events.answered?.(answer);
				this.accept(batch, answer);
				return;
			} catch (error) {
				if (this.abort.signal.aborted) return;
				const failure = error as SendFailure;
				lane.state.lastLatencyMs = Date.now() - started;
				this.adaptive?.failed();
				this.adaptiveBatch?.failed();
				// Matomo tracked the first `tracked` hits of the batch before it failed: they are done.
				if (this.options.trustTrackedCount && typeof failure.tracked === 'number' && failure.tracked > 0 && failure.tracked <= sent) {
					this.events.acknowledged(batch, batch.from, batch.from + failure.tracked, []);
					batch.from += failure.tracked;
					if (batch.remaining === 0) return;
				}

				const retryable = failure.retryable !== false;
				const maxAttempts = this.options.retryMaxAttempts;
				const willRetry = retryable && (maxAttempts === 0 || attempt < maxAttempts) && !this.stopped;
				const sample: MatomoErrorSample = {
					seq: nextSampleSeq(),
					at: Date.now(),
					status: failure.status ?? null,
					message: failure.message,
					attempt,
					willRetry,
				};
				pushRing(this.state.matomoErrors, sample);
				if (!willRetry) {
					if (!this.stopped) {
						const where = `at ${this.events.inputName(batch.inputs[batch.from]!)} line ${batch.lineNos[batch.from]! + 1}`;
						this.events.fatal(retryable
							? `Matomo is unreachable after ${attempt} attempts: ${failure.message} (${where})`
							: `${failure.message} (${where})`);
					}

					return;
				}

				lane.state.phase = 'retrying';
				lane.state.retries++;
				this.state.counters.retries++;
				await sleep(backoffMs(attempt, this.options.retryDelayMs), this.abort.signal);
			}
		}
	}

	private accept(batch: HitBatch, answer: BulkAnswer): void {
		const {from, count} = batch;
		const sent = count - from;
		// Matomo's invalid_indices count from the first request of this body.
		const invalid = [...new Set(answer.invalidIndices)].filter(index => index >= 0 && index < sent).map(index => from + index);
		batch.from = count;
		this.events.acknowledged(batch, from, count, invalid);
		const tracked = answer.tracked;
		const reportedInvalid = answer.invalid ?? invalid.length;
		if (tracked !== null && tracked + reportedInvalid < sent) {
			this.events.notice(`Matomo acknowledged ${tracked + reportedInvalid} of ${sent} hits sent in one request (tracked ${tracked}, invalid ${reportedInvalid})`);
		}

		if (invalid.length === 0 && reportedInvalid > 0) {
			this.events.notice(`The Matomo tracker identified ${reportedInvalid} invalid requests.`);
		}
	}
}
