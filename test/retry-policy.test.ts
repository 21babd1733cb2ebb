import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {MatomoError} from '../source/record/matomo-client.js';
import {MAX_BACKOFF_MS, parseRetryAfter, retryDelay, withRetry} from '../source/record/retry-policy.js';

describe('the retry policy', () => {
	test('retryDelay: exponential, equal jitter (never less than half), capped', () => {
		assert.equal(
			retryDelay(1, 100, undefined, () => 1),
			100,
		);
		assert.equal(
			retryDelay(1, 100, undefined, () => 0),
			50,
			'at least half the wait: a failing Matomo is not hit again at once',
		);
		assert.equal(
			retryDelay(3, 100, undefined, () => 1),
			400,
		);
		assert.equal(
			retryDelay(3, 100, undefined, () => 0),
			200,
		);
		assert.equal(
			retryDelay(40, 100, undefined, () => 1),
			MAX_BACKOFF_MS,
		);
		assert.equal(
			retryDelay(2, 120_000, undefined, () => 1),
			120_000,
			'a base above the cap is kept',
		);
		assert.equal(
			retryDelay(1, 0, undefined, () => 1),
			0,
			'--retry-delay=0 retries at once',
		);
	});

	test('retryDelay: a Retry-After longer than the backoff is believed, within the cap', () => {
		assert.equal(
			retryDelay(1, 100, {retryAfterMs: 5000}, () => 1),
			5000,
		);
		assert.equal(
			retryDelay(1, 100, {retryAfterMs: 10}, () => 1),
			100,
			'a shorter hint does not shorten the backoff',
		);
		assert.equal(
			retryDelay(1, 100, {retryAfterMs: 3_600_000}, () => 1),
			MAX_BACKOFF_MS,
		);
		assert.equal(
			retryDelay(1, 0, {retryAfterMs: 2000}, () => 1),
			2000,
			'even with --retry-delay=0',
		);
	});

	test('parseRetryAfter: seconds or an HTTP date', () => {
		assert.equal(parseRetryAfter('7'), 7000);
		assert.equal(parseRetryAfter(' 0 '), 0);
		assert.equal(parseRetryAfter(undefined), undefined);
		assert.equal(parseRetryAfter('soon'), undefined);
		const now = Date.parse('2026-01-01T00:00:00Z');
		assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
		assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0, 'a date in the past: at once');
	});

	test('withRetry: 0 attempts means forever; non-retryable errors stop at once', async () => {
		let calls = 0;
		const value = await withRetry(
			async () => {
				if (++calls < 6) throw new MatomoError('network', 'down');
				return 'up';
			},
			{maxAttempts: 0, baseDelayMs: 1, isRetryable: () => true},
		);
		assert.equal(value, 'up');
		assert.equal(calls, 6);

		let stopped = 0;
		const gaveUp: number[] = [];
		await assert.rejects(
			withRetry(
				async () => {
					stopped++;
					throw new MatomoError('api', 'no');
				},
				{
					maxAttempts: 5,
					baseDelayMs: 1,
					isRetryable: error => error instanceof MatomoError && error.retryable,
					onGiveUp: ({attempt}) => gaveUp.push(attempt),
				},
			),
			/no/,
		);
		assert.equal(stopped, 1);
		assert.deepEqual(gaveUp, [1]);
	});

	test('withRetry: gives up after maxAttempts, telling how many were made', async () => {
		const retries: number[] = [];
		const gaveUp: number[] = [];
		await assert.rejects(
			withRetry(
				async () => {
					throw new MatomoError('network', 'down');
				},
				{
					maxAttempts: 3,
					baseDelayMs: 1,
					isRetryable: () => true,
					onRetry: ({attempt}) => retries.push(attempt),
					onGiveUp: ({attempt}) => gaveUp.push(attempt),
				},
			),
			/down/,
		);
		assert.deepEqual(retries, [1, 2]);
		assert.deepEqual(gaveUp, [3]);
	});

	test('withRetry: an abort during the wait ends it', async () => {
		const controller = new AbortController();
		let calls = 0;
		const result = withRetry(
			async () => {
				calls++;
				throw new MatomoError('timeout', 'slow');
			},
			{
				maxAttempts: 0,
				baseDelayMs: 600_000,
				isRetryable: () => true,
				signal: controller.signal,
				rng: () => 1,
				onRetry: () => controller.abort(new Error('shutdown')),
			},
		);
		await assert.rejects(result, /shutdown/);
		assert.equal(calls, 1, 'no attempt after the abort');
	});
});
