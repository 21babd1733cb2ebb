/** --recorders=auto: the concurrency climbs while Matomo's throughput does, and settles near its capacity. */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {AdaptiveConcurrency} from '../source/record/recorders.js';

/**
 * A Matomo with `cores` workers: each request takes 20 ms of work; beyond `cores` requests in flight they queue, so
 * throughput stays flat and latency grows. Returns the concurrency chosen over time.
 */
function simulate(cores: number, answers = 3000, errorsAt: number[] = []): number[] {
	let now = 0;
	let current = 2;
	const adaptive = new AdaptiveConcurrency(current, 16, n => {
		current = n;
	});
	const seen: number[] = [];
	for (let i = 0; i < answers; i++) {
		const latency = 20 * Math.max(1, current / cores);
		// `current` answers come back per latency period.
		now += latency / current;
		if (errorsAt.includes(i)) adaptive.failed();
		else adaptive.answered(100, latency, now);
		seen.push(current);
	}

	return seen;
}

test('it climbs to Matomo\'s capacity and stays near it', () => {
	for (const cores of [2, 4, 8]) {
		const seen = simulate(cores);
		const settled = seen.slice(-500);
		const average = settled.reduce((a, b) => a + b, 0) / settled.length;
		assert.ok(average >= cores - 1 && average <= cores + 2, `${cores} cores: settled around ${average.toFixed(1)}`);
	}
});

test('errors cut it at once, then it climbs again', () => {
	const seen = simulate(8, 4000, [2000]);
	const before = seen[1999]!;
	assert.ok(seen[2000]! <= Math.floor(before * 0.7), `${before} → ${seen[2000]}`);
	assert.ok(seen.at(-1)! >= 6, `back to ${seen.at(-1)}`);
});
