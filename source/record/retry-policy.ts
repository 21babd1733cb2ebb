/**
 * The one retry policy of the importer: tracking requests and Reporting API calls wait the same way between
 * attempts. Exponential backoff from `--retry-delay`, capped, with equal jitter: at least half the computed wait
 * (a failing Matomo is never hit again at once) and a random rest (parallel lanes do not come back in the same
 * instant). A server that says when to come back (`Retry-After`, on 429 and 503) is believed, within the cap.
 */

/** No single wait is longer than this (unless the base delay itself is longer), even when retrying forever. */
export const MAX_BACKOFF_MS = 60_000;

export interface RetryPolicy {
	/** Total attempts; 0 = no limit. */
	maxAttempts: number;
	/** The wait after the first failure; it doubles at each further one. */
	baseDelayMs: number;
}

/** What a retry needs to know of a failure. */
export interface RetryHint {
	/** From a Retry-After header. */
	retryAfterMs?: number;
}

/** The wait before retry number `attempt` (1 after the first failure). */
export function retryDelay(attempt: number, baseMs: number, hint?: RetryHint, rng: () => number = Math.random): number {
	if (baseMs <= 0 && hint?.retryAfterMs === undefined) return 0;
	const cap = Math.max(MAX_BACKOFF_MS, baseMs);
	const ceiling = Math.min(cap, baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
	const backoff = Math.round(ceiling / 2 + (rng() * ceiling) / 2);
	return hint?.retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(hint.retryAfterMs, cap));
}

/** Whether another attempt is allowed after `attempt` failed. */
export function mayRetry(policy: RetryPolicy, attempt: number): boolean {
	return policy.maxAttempts === 0 || attempt < policy.maxAttempts;
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds from now. */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
	const value = (Array.isArray(header) ? header[0] : header)?.trim();
	if (!value) return undefined;
	if (/^\d+$/.test(value)) return Number(value) * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Wait `ms`; an abort ends the wait early (without an error: the caller checks its signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise(resolve => {
		if (signal?.aborted || ms <= 0) return resolve();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}

		signal?.addEventListener('abort', done, {once: true});
	});
}

export interface RetryOptions extends RetryPolicy {
	isRetryable: (error: unknown) => boolean;
	/** Called before each wait; `attempt` is the number of the attempt that just failed. */
	onRetry?: (info: {attempt: number; delayMs: number; error: unknown}) => void;
	/** Called when no further attempt will be made (retries exhausted or not retryable). */
	onGiveUp?: (info: {attempt: number; error: unknown}) => void;
	signal?: AbortSignal;
	rng?: () => number;
}

/** Run `fn` until it succeeds, the error is not retryable, the attempts are exhausted or the signal aborts. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fn(attempt);
		} catch (error) {
			if (options.signal?.aborted) throw options.signal.reason ?? error;
			if (!mayRetry(options, attempt) || !options.isRetryable(error)) {
				options.onGiveUp?.({attempt, error});
				throw error;
			}

			const hint = typeof error === 'object' && error !== null ? (error as RetryHint) : undefined;
			const delayMs = retryDelay(attempt, options.baseDelayMs, hint, options.rng);
			options.onRetry?.({attempt, delayMs, error});
			await sleep(delayMs, options.signal);
			if (options.signal?.aborted) throw options.signal.reason ?? error;
		}
	}
}
