/** --recorders=auto: the concurrency climbs while Matomo's throughput does and settles near its capacity; the batch size keeps answers prompt. */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runImport, tempDir} from './helpers.js';
import {renderSummary, summaryJson} from '../source/report/summary.js';
import {AdaptiveBatchSize, AdaptiveConcurrency} from '../source/record/adaptive.js';

/**
 * A Matomo with `cores` workers: each request takes 20 ms of work; beyond `cores` requests in flight they queue, so
 * throughput stays flat and latency grows. Returns the concurrency chosen over time.
 */
function simulate(cores: number, answers = 3000, errorsAt: number[] = [], openers = {every: 0, burst: 0}): number[] {
	let now = 0;
	let current = 2;
	const adaptive = new AdaptiveConcurrency(
		current,
		16,
		n => {
			current = n;
		},
		() => 100,
	);
	const seen: number[] = [];
	for (let i = 0; i < answers; i++) {
		// With `openers`, now and then a run of requests of one hit (the first hit of each site's day goes alone): quick, and few hits.
		const hits = openers.every > 0 && i % openers.every < openers.burst ? 1 : 100;
		const latency = (2 + 0.18 * hits) * Math.max(1, current / cores);
		// `current` answers come back per latency period.
		now += latency / current;
		if (errorsAt.includes(i)) adaptive.failed();
		else adaptive.answered(hits, latency, now);
		seen.push(current);
	}

	return seen;
}

test("it climbs to Matomo's capacity and stays near it", () => {
	for (const cores of [2, 4, 8]) {
		const seen = simulate(cores);
		const settled = seen.slice(-500);
		const average = settled.reduce((a, b) => a + b, 0) / settled.length;
		assert.ok(average >= cores - 1 && average <= cores + 2, `${cores} cores: settled around ${average.toFixed(1)}`);
	}
});

test('requests of a hit or two (the first hit of each day, sent alone) do not mislead it', () => {
	for (const cores of [2, 4]) {
		for (const [every, burst] of [
			[3, 1],
			[10, 4],
			[20, 8],
			[50, 10],
		] as const) {
			const settled = simulate(cores, 3000, [], {every, burst}).slice(-500);
			const average = settled.reduce((a, b) => a + b, 0) / settled.length;
			// Taken for a latency spike they made it fall to one request at a time. They still make the throughput of a
			// window noisy, so it may settle a step or two above the cores: queued in Matomo, not lost.
			assert.ok(average >= cores - 1 && average <= cores * 2, `${cores} cores, ${burst} openers every ${every} answers: settled around ${average.toFixed(1)}`);
		}
	}
});

test('errors cut it at once, then it climbs again', () => {
	const seen = simulate(8, 4000, [2000]);
	const before = seen[1999]!;
	assert.ok(seen[2000]! <= Math.floor(before * 0.7), `${before} → ${seen[2000]}`);
	assert.ok(seen.at(-1)! >= 6, `back to ${seen.at(-1)}`);
});

/**
 * A Matomo that takes `msPerHit` per hit of a request, plus 30 ms: the batch size auto chooses over time, starting
 * from the payload size (200).
 */
function simulateBatch(msPerHit: number, answers = 200, failAt: number[] = [], openerEvery = 0): number[] {
	let size = 200;
	const adaptive = new AdaptiveBatchSize(size, 10, 200, 2000, n => {
		size = n;
	});
	const seen: number[] = [];
	for (let i = 0; i < answers; i++) {
		// With `openerEvery`, one request in so many carries one hit (a day's first, sent alone).
		const hits = openerEvery > 0 && i % openerEvery === 0 ? 1 : size;
		if (failAt.includes(i)) adaptive.failed();
		else adaptive.answered(30 + msPerHit * hits, hits);
		seen.push(size);
	}

	return seen;
}

test('batch size: the payload size while Matomo answers promptly, smaller when a request takes too long', () => {
	// 5 ms a hit: 200 hits answer in 1 s, within the 2 s aimed at.
	assert.deepEqual(new Set(simulateBatch(5).slice(-50)), new Set([200]));
	// 40 ms a hit: 200 hits take 8 s; it comes down to requests of 1–4 s (25–100 hits) and stays there.
	const slow = simulateBatch(40).slice(-50);
	for (const size of slow) assert.ok(size >= 25 && size <= 100, `settled at ${size}`);
	// 1 s a hit: never below the minimum.
	assert.equal(simulateBatch(1000).at(-1), 10);
	// Quick requests of one hit in between say nothing of how long a full one takes.
	for (const size of simulateBatch(40, 200, [], 2).slice(-50)) assert.ok(size >= 25 && size <= 100, `with one-hit requests: settled at ${size}`);
});

test('batch size: a failure cuts it at once; prompt answers grow it back, never past the payload size', () => {
	const seen = simulateBatch(2, 400, [100]);
	assert.equal(seen[99], 200);
	assert.equal(seen[100], 140);
	assert.equal(seen.at(-1), 200);
	assert.ok(seen.every(size => size <= 200));
});

let matomo: MatomoDouble;
before(async () => {
	matomo = await startMatomoDouble({token: 'test-token', now: () => Date.UTC(2024, 1, 11)});
});
after(async () => {
	await matomo.close();
});

test('an import with --recorders=auto: every hit once, and the summary says what it settled on', async () => {
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	const total = 3000;
	const lines = Array.from({length: total}, (_, i) =>
		combinedLine({
			ip: `10.3.${i % 40}.${i % 200}`,
			path: `/auto/${i}`,
			date: `10/Feb/2024:11:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000`,
		}),
	);
	fs.writeFileSync(log, lines.join('\n') + '\n');
	matomo.reset();
	const result = await runImport(['--idsite=1', '--recorders=auto', '--recorder-max-payload-size=50', log], {url: matomo.url});
	assert.equal(result.exitCode, 0);
	const paths = matomo.received.map(hit => new URL(hit.params.url!).pathname);
	assert.equal(new Set(paths).size, total);
	assert.equal(paths.length, total);
	const {state} = result;
	assert.ok(state.adaptiveConcurrency);
	// The double answers in milliseconds: requests stay at the payload size.
	assert.equal(state.batchSize, 50);
	assert.match(renderSummary(state, {apiUrl: matomo.url}), new RegExp(`Recorders: auto, settled on ${state.concurrency} requests in flight of up to 50 hits`));
	assert.deepEqual(summaryJson(state, 0).recorders, {concurrency: state.concurrency, auto: true, batchSize: 50});
});
