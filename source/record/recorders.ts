/**
 * The recorders: lanes of hits to Matomo. Hits that Matomo could count as one visitor's go to the same lane, in log
 * order (VisitorRouter), and a lane has at most one request in flight, so each visitor's hits reach Matomo in order
 * and N recorders give the reports one gives. One recorder is one lane: the log's own order. p-queue bounds the
 * requests in flight over all lanes (the concurrency, which may change while running). Batches leave on size or on a
 * short timer. With several lanes, the first hit of each site-day goes alone and the day's other hits wait until
 * Matomo acknowledged it (site-day.ts says why). A failed batch is retried by the one retry policy (retry-policy.ts); it is resent whole unless the
 * user said their Matomo keeps what a failed bulk request tracked (no transactions).
 */
import PQueue from 'p-queue';
import type {LaneState, MatomoErrorSample, RunState} from '../core/run-state.js';
import {nextSampleSeq, pushRing} from '../core/run-state.js';
import {AdaptiveBatchSize, AdaptiveConcurrency} from './adaptive.js';
import {HitBatch, type HitRef} from './hit-batch.js';
import {mayRetry, retryDelay, sleep} from './retry-policy.js';
import type {BulkAnswer, BulkSender, RecorderEvents, RecorderOptions, SendFailure} from './recorder-types.js';

export type {BulkAnswer, BulkSender, RecorderEvents, RecorderOptions, SendFailure} from './recorder-types.js';
import {VisitorRouter} from './visitor-router.js';

export {HitBatch} from './hit-batch.js';

/** --recorders=auto keeps requests answering in about this long (AdaptiveBatchSize), with at least this many hits. */
const targetAnswerMs = 2000;
const minAdaptiveBatch = 10;

/** Batches kept for reuse once sent: for the lanes whose batch leaves next; more would only hold their buffers. */
const maxSpareBatches = 4;

interface Lane {
	state: LaneState;
	/** Waiting hits in batches of at most the payload size; the first may be in flight. */
	batches: HitBatch[];
	/** Hits in `batches` that are not in flight. */
	waiting: number;
	busy: boolean;
	timer: NodeJS.Timeout | undefined;
}

/** A hit that could not be routed yet: its keys are held by two lanes (see VisitorRouter). */
interface ParkedHit {
	query: string;
	hit: HitRef;
}

export class Recorders {
	private readonly lanes: Lane[];
	private readonly router: VisitorRouter;
	private readonly queue: PQueue;
	private queued = 0;
	/** Hits waiting for their keys to be released, in log order; every hit after the first one waits behind it. */
	private parked: ParkedHit[] = [];
	/** Site-days whose first hit Matomo acknowledged, and those whose first hit is on its way (the day gate). */
	private readonly openDays = new Set<number>();
	private readonly openingDays = new Set<number>();
	/** Batches sent and acknowledged, to be filled again (their buffers have grown to the size requests have). */
	private readonly spare: HitBatch[] = [];
	private waiters: Array<() => void> = [];
	private idleWaiters: Array<() => void> = [];
	private stopped = false;
	/** Most hits in one request since Matomo refused a larger one as too large (HTTP 413). */
	private requestCap = Number.POSITIVE_INFINITY;
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
			this.adaptive = new AdaptiveConcurrency(
				this.queue.concurrency,
				options.lanes,
				n => this.setConcurrency(n),
				() => this.batchSize,
			);
			this.adaptiveBatch = new AdaptiveBatchSize(
				options.payloadSize,
				Math.min(options.payloadSize, minAdaptiveBatch),
				options.payloadSize,
				targetAnswerMs,
				n => {
					this.state.batchSize = n;
				},
			);
		}

		this.router = new VisitorRouter(options.lanes);
		this.lanes = [];
		for (let id = 0; id < options.lanes; id++) {
			const laneState: LaneState = {
				id,
				phase: 'idle',
				queued: 0,
				inFlight: 0,
				requests: 0,
				hitsSent: 0,
				retries: 0,
				lastLatencyMs: null,
				attempt: 0,
				retryAt: null,
			};
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

	/** Change how many requests may be in flight (the `+`/`-` keys, adaptive mode): at most one per lane. */
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
		return (this.queued >= this.options.maxQueued || this.parked.length > 0) && !this.stopped;
	}

	/** Resolves when the reader may add more hits (backpressure). */
	async capacity(): Promise<void> {
		if (!this.full) return;
		await new Promise<void>(resolve => this.waiters.push(resolve));
	}

	/** Queue one request (a query string) for its visitor's lane. */
	add(query: string, hit: HitRef): void {
		hit.user = this.router.userFor(hit.ip, hit.user);
		const lane = this.route(hit);
		if (lane === undefined) return this.park(query, hit);
		this.batchFor(lane).add(query, hit);
		this.added(lane, hit);
	}

	/** The same for a request already encoded as a bulk JSON entry (`entries[from, to)`, see HitBatch). */
	addEntry(entries: Buffer, from: number, to: number, hit: HitRef): void {
		hit.user = this.router.userFor(hit.ip, hit.user);
		const lane = this.route(hit);
		// A parked request leaves the entry's buffer (reused by the reader): as a query string.
		if (lane === undefined) return this.park(entries.toString('latin1', from + 1, to - 2), hit);
		this.batchFor(lane).addEntry(entries, from, to, hit);
		this.added(lane, hit);
	}

	/**
	 * The hit's lane, or undefined when it must wait: its keys are held by two lanes, its day's first hit is not
	 * acknowledged yet, or a hit before it waits.
	 */
	private route(hit: HitRef): Lane | undefined {
		if (this.parked.length > 0) return undefined;
		return this.laneFor(hit);
	}

	private laneFor(hit: HitRef): Lane | undefined {
		const gated = this.lanes.length > 1 && hit.day !== 0 && !this.openDays.has(hit.day);
		if (gated && this.openingDays.has(hit.day)) return undefined;
		const index = this.router.route(hit.ip, hit.user);
		if (index < 0) return undefined;
		if (gated) {
			// The day's first hit: it leaves now, and the day's next hits wait for its answer.
			this.openingDays.add(hit.day);
			this.opening = true;
		}

		return this.lanes[index];
	}

	/** Set while a day's first hit is being queued: its lane sends it at once. */
	private opening = false;

	private park(query: string, hit: HitRef): void {
		this.parked.push({query, hit: {...hit}});
		this.queued++;
		// The lanes holding its keys must empty: send what they have now rather than at their timer.
		this.flush();
	}

	/** Route the parked hits, in order, as far as their keys allow. */
	private unpark(): void {
		while (this.parked.length > 0 && !this.stopped) {
			const {query, hit} = this.parked[0]!;
			const lane = this.laneFor(hit);
			if (lane === undefined) return;
			this.parked.shift();
			this.queued--;
			this.batchFor(lane).add(query, hit);
			this.added(lane, hit);
		}
	}

	private batchFor(lane: Lane): HitBatch {
		let batch = lane.batches.at(-1);
		if (batch === undefined || this.isFull(batch) || batch.inFlight) {
			batch = this.spare.pop() ?? new HitBatch(this.options.payloadSize);
			lane.batches.push(batch);
		}

		return batch;
	}

	/** Hits per request now: the payload size, or less where --recorders=auto chose less or Matomo refused more. */
	private get batchSize(): number {
		return Math.min(this.adaptiveBatch?.value ?? this.options.payloadSize, this.requestCap);
	}

	/** A batch leaves when it has as many hits as a request takes now. */
	private isFull(batch: HitBatch): boolean {
		return batch.count >= this.batchSize;
	}

	private added(lane: Lane, hit: HitRef): void {
		this.router.hold(lane.state.id, hit.ip, hit.user);
		lane.waiting++;
		lane.state.queued = lane.waiting;
		this.queued++;
		if (this.isFull(lane.batches[0]!) || this.opening) {
			this.opening = false;
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
		this.queued -= this.parked.length;
		this.parked = [];
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
		void this.queue
			.add(async () => this.send(lane, batch))
			.catch((error: unknown) => {
				this.events.fatal(`recorder failed: ${error instanceof Error ? error.message : String(error)}`);
			})
			.finally(() => {
				lane.busy = false;
				lane.state.inFlight = 0;
				lane.state.phase = 'idle';
				lane.state.attempt = 0;
				lane.state.retryAt = null;
				this.queued -= batch.count;
				if (lane.batches[0] === batch) lane.batches.shift();
				batch.reset();
				if (this.spare.length < maxSpareBatches) this.spare.push(batch);
				this.unpark();
				const next = lane.batches[0];
				if (!this.stopped && next !== undefined && !next.inFlight) {
					if (this.isFull(next) || this.parked.length > 0) this.dispatch(lane);
					else
						lane.timer ??= setTimeout(() => {
							lane.timer = undefined;
							this.dispatch(lane);
						}, this.options.flushIntervalMs);
				}

				this.wake();
			});
	}

	/** Send the batch until Matomo has acknowledged all of it, or the retries are exhausted. */
	private async send(lane: Lane, batch: HitBatch): Promise<void> {
		let attempt = 1;
		while (batch.remaining > 0) {
			if (this.abort.signal.aborted) return;
			if (this.options.spacingMs) await sleep(this.options.spacingMs, this.abort.signal);
			lane.state.phase = 'sending';
			lane.state.attempt = attempt;
			lane.state.requests++;
			this.state.counters.requests++;
			const started = Date.now();
			const requests = batch.requests(this.requestCap);
			const sent = requests.count;
			try {
				const answer = await this.sender.sendBulk(requests, this.abort.signal);
				lane.state.lastLatencyMs = Date.now() - started;
				lane.state.hitsSent += sent;
				this.adaptive?.answered(sent, lane.state.lastLatencyMs);
				this.adaptiveBatch?.answered(lane.state.lastLatencyMs, sent);
				this.events.answered?.(answer);
				this.accept(batch, sent, answer);
				attempt = 1;
			} catch (error) {
				if (this.abort.signal.aborted) return;
				const failure = error as SendFailure;
				lane.state.lastLatencyMs = Date.now() - started;
				if (failure.kind === 'too-large' && sent > 1) {
					// Not a failure of Matomo: the request was too big for the server. Half as many hits, from now on.
					this.requestCap = Math.max(1, Math.floor(sent / 2));
					this.state.batchSize = this.batchSize;
					this.events.notice(
						`The server refused a bulk request of ${sent} hits as too large (HTTP 413): sending at most ${this.requestCap} hits per request from now on.`,
					);
					continue;
				}

				this.adaptive?.failed();
				this.adaptiveBatch?.failed();
				// A Matomo without bulk transactions kept the first `tracked` hits of the batch before it failed.
				if (this.options.trustTrackedCount && typeof failure.tracked === 'number' && failure.tracked > 0 && failure.tracked <= sent) {
					this.acknowledge(batch, batch.from, batch.from + failure.tracked, []);
					batch.from += failure.tracked;
					if (batch.remaining === 0) return;
				}

				const retryable = failure.retryable !== false;
				const willRetry = retryable && mayRetry(this.policy, attempt) && !this.stopped;
				const delayMs = willRetry ? retryDelay(attempt, this.options.retryDelayMs, failure) : null;
				const at = Date.now();
				const sample: MatomoErrorSample = {
					seq: nextSampleSeq(),
					at,
					status: failure.status ?? null,
					message: failure.message,
					attempt,
					maxAttempts: this.options.retryMaxAttempts,
					willRetry,
					retryAt: delayMs === null ? null : at + delayMs,
				};
				pushRing(this.state.matomoErrors, sample);
				if (delayMs === null) {
					if (!this.stopped) this.events.fatal(this.giveUpMessage(batch, failure, attempt, retryable));
					return;
				}

				lane.state.phase = 'retrying';
				lane.state.retries++;
				lane.state.retryAt = sample.retryAt;
				this.state.counters.retries++;
				await sleep(delayMs, this.abort.signal);
				lane.state.retryAt = null;
				attempt++;
			}
		}
	}

	private get policy() {
		return {maxAttempts: this.options.retryMaxAttempts, baseDelayMs: this.options.retryDelayMs};
	}

	/** Why the import stops, where, and that running it again resumes there. */
	private giveUpMessage(batch: HitBatch, failure: SendFailure, attempt: number, retryable: boolean): string {
		const where = `${this.events.inputName(batch.inputs[batch.from]!)} line ${batch.lineNos[batch.from]! + 1}`;
		const resume = 'Run the same command again to resume after what Matomo acknowledged.';
		if (!retryable) return `${failure.message} (at ${where}). ${resume}`;
		const unreachable = failure.kind === 'network' || failure.kind === 'timeout';
		const what = unreachable ? 'Matomo could not be reached' : 'Matomo did not take the hits';
		return `${what} after ${attempt} attempts; the last: ${failure.message} (the import stopped at ${where}). ${resume}`;
	}

	/** Matomo acknowledged the batch's hits `[from, to)`: tell the run, free their visitors' keys, open their days. */
	private acknowledge(batch: HitBatch, from: number, to: number, invalid: readonly number[]): void {
		this.events.acknowledged(batch, from, to, invalid);
		if (this.lanes.length === 1) return;
		for (let i = from; i < to; i++) {
			this.router.release(batch.ipKeys[i]!, batch.userKeys[i]!);
			const day = batch.days[i]!;
			if (day !== 0 && this.openingDays.delete(day)) this.openDays.add(day);
		}
	}

	/** An answer to the first `sent` hits from the batch's `from`. */
	private accept(batch: HitBatch, sent: number, answer: BulkAnswer): void {
		const from = batch.from;
		const to = from + sent;
		// Matomo's invalid_indices count from the first request of this body.
		const invalid = [...new Set(answer.invalidIndices)].filter(index => index >= 0 && index < sent).map(index => from + index);
		batch.from = to;
		this.acknowledge(batch, from, to, invalid);
		const tracked = answer.tracked;
		const reportedInvalid = answer.invalid ?? invalid.length;
		if (tracked !== null && tracked + reportedInvalid < sent) {
			this.events.notice(
				`Matomo acknowledged ${tracked + reportedInvalid} of ${sent} hits sent in one request (tracked ${tracked}, invalid ${reportedInvalid})`,
			);
		}

		if (invalid.length === 0 && reportedInvalid > 0) {
			this.events.notice(`The Matomo tracker identified ${reportedInvalid} invalid requests.`);
		}
	}
}
