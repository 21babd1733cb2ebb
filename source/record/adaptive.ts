/**
 * --recorders=auto: how many requests to keep in flight and how many hits to put in each, found while importing
 * from how Matomo answers, instead of guessed.
 */

/**
 * Additive increase, multiplicative decrease, on measured throughput and latency. After each window of answers:
 * when hits/s rose by more than 5% and latency stayed under twice the best seen, one more request in flight; when
 * throughput did not rise, back to the previous level (Matomo is saturated: more would only queue up inside it);
 * on errors or a latency spike, 30% fewer at once. The result moves with Matomo's load instead of being guessed.
 */
export class AdaptiveConcurrency {
	private windowHits = 0;
	private windowAnswers = 0;
	private windowLatency = 0;
	private windowStart = Date.now();
	private previousRate = 0;
	private bestLatency = Number.POSITIVE_INFINITY;
	private lastMove: 'up' | 'down' | 'hold' = 'hold';
	private holdWindows = 0;

	constructor(
		private concurrency: number,
		private readonly max: number,
		private readonly apply: (n: number) => void,
		/** How many hits a full request carries now. */
		private readonly fullHits: () => number = () => 0,
	) {}

	get value(): number {
		return this.concurrency;
	}

	answered(hits: number, latencyMs: number, now = Date.now()): void {
		// A request far from full (the first hit of a site's day goes alone, and several sites open their days
		// together; a file's last hits) is quick for want of hits, not for want of load: its latency would set a best
		// that no full request can approach, and every later window would look like a spike. Its hits still count.
		this.windowHits += hits;
		if (hits * 4 < this.fullHits()) return;
		this.windowAnswers++;
		this.windowLatency += latencyMs;
		if (this.windowAnswers < Math.max(4, this.concurrency * 2)) return;
		const seconds = Math.max(0.001, (now - this.windowStart) / 1000);
		const rate = this.windowHits / seconds;
		const latency = this.windowLatency / this.windowAnswers;
		this.bestLatency = Math.min(this.bestLatency, latency);
		this.windowHits = 0;
		this.windowAnswers = 0;
		this.windowLatency = 0;
		this.windowStart = now;
		if (latency > this.bestLatency * 4 && this.concurrency > 1) {
			this.set(Math.max(1, Math.floor(this.concurrency * 0.7)), 'down');
		} else if (this.holdWindows > 0) {
			this.holdWindows--;
		} else if (this.lastMove === 'up' && rate < this.previousRate * 1.05) {
			// The last step did not pay: step back and stay there a while.
			this.set(this.concurrency - 1, 'hold');
			this.holdWindows = 8;
		} else if (latency < this.bestLatency * 2 && this.concurrency < this.max) {
			this.set(this.concurrency + 1, 'up');
		} else {
			this.lastMove = 'hold';
		}

		this.previousRate = rate;
	}

	failed(): void {
		this.set(Math.max(1, Math.floor(this.concurrency * 0.7)), 'down');
		this.holdWindows = 4;
	}

	private set(n: number, move: 'up' | 'down' | 'hold'): void {
		this.lastMove = move;
		if (n === this.concurrency) return;
		this.concurrency = Math.max(1, Math.min(this.max, n));
		this.apply(this.concurrency);
	}
}

/**
 * Hits per request. Matomo answers a bulk request once it has tracked every hit in it, so a big batch is a long
 * request: long before its hits are acknowledged (the checkpoint waits for them), long to resend when it fails, close
 * to the time limits of PHP and of proxies. Kept where requests answer in about `targetMs`: after each window of
 * answers, a quarter more while they answered in under half of it, 30% fewer when they took over twice as long or
 * one failed; never more than the payload size the run allows (--recorder-max-payload-size), never fewer than `min`.
 */
export class AdaptiveBatchSize {
	private windowLatency = 0;
	private windowAnswers = 0;

	constructor(
		private size: number,
		private readonly min: number,
		private readonly max: number,
		private readonly targetMs: number,
		private readonly apply: (n: number) => void,
	) {}

	get value(): number {
		return this.size;
	}

	/** A request of `hits` answered in `latencyMs`; one far from full says nothing of how long a full one takes. */
	answered(latencyMs: number, hits = this.size): void {
		if (hits * 4 < this.size) return;
		this.windowLatency += latencyMs;
		this.windowAnswers++;
		if (this.windowAnswers < 4) return;
		const latency = this.windowLatency / this.windowAnswers;
		this.windowLatency = 0;
		this.windowAnswers = 0;
		if (latency > this.targetMs * 2) this.set(Math.floor(this.size * 0.7));
		else if (latency < this.targetMs / 2) this.set(Math.ceil(this.size * 1.25));
	}

	failed(): void {
		this.windowLatency = 0;
		this.windowAnswers = 0;
		this.set(Math.floor(this.size * 0.7));
	}

	private set(n: number): void {
		const size = Math.max(this.min, Math.min(this.max, n));
		if (size === this.size) return;
		this.size = size;
		this.apply(size);
	}
}
