import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Hit} from '../source/parse/hit.js';
import {formatDuration, ListeningStats, listeningSummaryJson, renderListeningSummary, type MountSummary} from '../source/report/listening-stats.js';
import {listenFromHit, type Listen} from '../source/track/listening-time.js';
import {radioListens, utc} from './radio-fixture.js';
import {seededRandom} from './seeded-random.js';

/*
 * The fixtures by hand (fixtures/radio/icecast2.log; shoutcast.log has the same listens, /stream/1/ and /stream/2/).
 * Times UTC, a listen covers [start, end) with start = disconnect − duration.
 *
 * Not listens: the 404 on /strem.mp3 (HTTP error), the SOURCE client (the encoder), the line with duration `-`.
 *
 * /stream.mp3 (21 Nov 2026)
 *   2001:db8::7     [09:55:00, 10:05:00)    600 s
 *   198.51.100.1    [09:55:00, 10:15:00)   1200 s
 *   203.0.113.5     [09:20:00, 10:20:00)   3600 s   (?token=… stripped)
 *   198.51.100.23   [10:30:00, 10:30:00)      0 s
 *   listeners 4; total 600 + 1200 + 3600 + 0 = 5400 s; ATH 5400 / 3600 = 1.5 h; average 5400 / 4 = 1350 s (0:22:30);
 *   median of 0, 600, 1200, 3600 = (600 + 1200) / 2 = 900 s (0:15:00);
 *   sweep: 09:20 +1 → 1; 09:55 +2 → 3; 10:05 −1 → 2; 10:15 −1 → 1; 10:20 −1 → 0; 10:30 +1 −1 → 0.
 *   Peak 3 at 2026-11-21 09:55:00.
 *
 * /jazz.ogg (across midnight)
 *   198.51.100.1    [21 Nov 23:40:00, 22 Nov 00:10:00)   1800 s
 *   2001:db8::7     [22 Nov 00:00:00, 00:05:00)           300 s
 *   203.0.113.5     [22 Nov 00:05:00, 00:20:00)           900 s   (written 01:20:00 +0100 = 00:20:00 UTC)
 *   listeners 3; total 3000 s; ATH 3000 / 3600 = 0.8333 h; average 1000 s (0:16:40); median of 300, 900, 1800 = 900 s;
 *   sweep: 23:40 +1 → 1; 00:00 +1 → 2; 00:05 −1 +1 → 2 (one leaves as the other arrives: not 3); 00:10 −1 → 1;
 *   00:20 −1 → 0. Peak 2, first at 2026-11-22 00:00:00.
 *
 * All mount points: listeners 7; total 8400 s; ATH 2.3333 h; average 1200 s (0:20:00);
 *   median of 0, 300, 600, 900, 1200, 1800, 3600 = 900 s; the two mounts never overlap: peak 3 at 2026-11-21 09:55:00.
 */
function expectedSummary(stream: string, jazz: string): MountSummary[] {
	const jazzSummary: MountSummary = {
		mount: jazz,
		listeners: 3,
		totalSeconds: 3000,
		listeningHours: 3000 / 3600,
		averageSeconds: 1000,
		medianSeconds: 900,
		medianPrecisionSeconds: 0,
		peakListeners: 2,
		peakAtSeconds: utc('2026-11-22 00:00:00'),
		peakResolutionSeconds: 1,
	};
	const streamSummary: MountSummary = {
		mount: stream,
		listeners: 4,
		totalSeconds: 5400,
		listeningHours: 1.5,
		averageSeconds: 1350,
		medianSeconds: 900,
		medianPrecisionSeconds: 0,
		peakListeners: 3,
		peakAtSeconds: utc('2026-11-21 09:55:00'),
		peakResolutionSeconds: 1,
	};
	return [jazzSummary, streamSummary].sort((a, b) => (a.mount < b.mount ? -1 : 1));
}

const expectedTotal: MountSummary = {
	mount: '*',
	listeners: 7,
	totalSeconds: 8400,
	listeningHours: 8400 / 3600,
	averageSeconds: 1200,
	medianSeconds: 900,
	medianPrecisionSeconds: 0,
	peakListeners: 3,
	peakAtSeconds: utc('2026-11-21 09:55:00'),
	peakResolutionSeconds: 1,
};

function statsOf(listens: readonly Listen[], options = {}): ListeningStats {
	const stats = new ListeningStats(options);
	for (const listen of listens) stats.add(listen);
	return stats;
}

function listen(start: number, duration: number, mount = '/live.mp3'): Listen {
	const hit = {status: '200', path: mount, seconds: start + Math.floor(duration), micros: Math.round((duration % 1) * 1e6)} as Hit;
	const result = listenFromHit(hit, duration);
	assert.ok(result);
	return result;
}

/** Reference values, the slow way. */
function bruteForce(listens: readonly Listen[]): {median: number; peak: number} {
	const sorted = listens.map(item => item.durationSeconds).sort((a, b) => a - b);
	const middle = sorted.length >> 1;
	const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	let peak = 0;
	for (const candidate of listens) {
		const at = candidate.startSeconds;
		const count = listens.filter(item => item.startSeconds <= at && item.hit.seconds > at).length;
		peak = Math.max(peak, count);
	}

	return {median, peak};
}

describe('ListeningStats on the fixtures (computed by hand above)', () => {
	it('icecast2', () => {
		const stats = statsOf(radioListens('icecast2'));
		assert.deepEqual(stats.summary(), expectedSummary('/stream.mp3', '/jazz.ogg'));
		assert.deepEqual(stats.total(), expectedTotal);
	});

	it('shoutcast: the same listens give the same figures', () => {
		const stats = statsOf(radioListens('shoutcast'));
		assert.deepEqual(stats.summary(), expectedSummary('/stream/1/', '/stream/2/'));
		assert.deepEqual(stats.total(), expectedTotal);
	});

	it('the same figures in histogram mode and with coarsened peak counters (all times on whole minutes)', () => {
		const stats = statsOf(radioListens('icecast2'), {exactMedianLimit: 1, maxPeakChunks: 1});
		const [jazz, stream] = stats.summary();
		assert.equal(stream.medianSeconds, 900);
		assert.equal(stream.medianPrecisionSeconds, 1);
		assert.equal(stream.peakListeners, 3);
		assert.equal(stream.peakResolutionSeconds, 60);
		assert.equal(stream.peakAtSeconds, utc('2026-11-21 09:55:00'));
		assert.equal(jazz.peakListeners, 2);
		assert.equal(jazz.listeningHours, 3000 / 3600);
	});

	it('renders the summary section', () => {
		const stats = statsOf(radioListens('icecast2'));
		assert.equal(
			renderListeningSummary(stats.summary(), stats.total()),
			[
				'Listening summary',
				'-----------------',
				'',
				'    /jazz.ogg: 3 listeners, 0.83 listening hours (ATH), average 0:16:40, median 0:15:00, peak 2 concurrent at 2026-11-22 00:00:00 UTC',
				'    /stream.mp3: 4 listeners, 1.50 listening hours (ATH), average 0:22:30, median 0:15:00, peak 3 concurrent at 2026-11-21 09:55:00 UTC',
				'    all mount points: 7 listeners, 2.33 listening hours (ATH), average 0:20:00, median 0:15:00, peak 3 concurrent at 2026-11-21 09:55:00 UTC',
				'',
				'    Durations are h:mm:ss. ATH (aggregate tuning hours) = total seconds listened / 3600.',
				'',
			].join('\n'),
		);
		assert.match(renderListeningSummary([]), /No listens/);
	});

	it('as JSON', () => {
		const stats = statsOf(radioListens('icecast2'));
		const json = listeningSummaryJson(stats.summary(), stats.total());
		assert.deepEqual(JSON.parse(JSON.stringify(json)), {
			mounts: [
				{
					mount: '/jazz.ogg',
					listeners: 3,
					listeningHours: 0.833,
					totalSeconds: 3000,
					averageSeconds: 1000,
					medianSeconds: 900,
					medianPrecisionSeconds: 0,
					peakListeners: 2,
					peakAt: '2026-11-22T00:00:00.000Z',
					peakResolutionSeconds: 1,
				},
				{
					mount: '/stream.mp3',
					listeners: 4,
					listeningHours: 1.5,
					totalSeconds: 5400,
					averageSeconds: 1350,
					medianSeconds: 900,
					medianPrecisionSeconds: 0,
					peakListeners: 3,
					peakAt: '2026-11-21T09:55:00.000Z',
					peakResolutionSeconds: 1,
				},
			],
			total: {
				mount: '*',
				listeners: 7,
				listeningHours: 2.333,
				totalSeconds: 8400,
				averageSeconds: 1200,
				medianSeconds: 900,
				medianPrecisionSeconds: 0,
				peakListeners: 3,
				peakAt: '2026-11-21T09:55:00.000Z',
				peakResolutionSeconds: 1,
			},
		});
	});
});

describe('ListeningStats on larger data', () => {
	it('the histogram median is exact for whole-second durations, the peak exact at 1 s', () => {
		const next = seededRandom(5);
		const listens: Listen[] = [];
		const day = utc('2026-11-21 00:00:00');
		for (let index = 0; index < 3000; index++) {
			// Mostly short, some long (up to 6 h: still in the 1-second buckets).
			const duration = next() < 0.8 ? Math.floor(next() * 1800) : Math.floor(next() * 6 * 3600);
			listens.push(listen(day + Math.floor(next() * 86400), duration));
		}

		const exact = bruteForce(listens);
		const [histogram] = statsOf(listens, {exactMedianLimit: 100}).summary();
		assert.equal(histogram.medianPrecisionSeconds, 1);
		assert.equal(histogram.medianSeconds, exact.median);
		assert.equal(histogram.peakListeners, exact.peak);
		const [kept] = statsOf(listens).summary();
		assert.equal(kept.medianPrecisionSeconds, 0);
		assert.equal(kept.medianSeconds, exact.median);
	});

	it('long durations: within 30 s up to 7 days, then reported as 7 days', () => {
		const start = utc('2026-11-01 00:00:00');
		const week = [7 * 3600 + 5, 7 * 3600 + 10, 8 * 3600 + 1].map(duration => listen(start, duration));
		const [coarse] = statsOf(week, {exactMedianLimit: 0}).summary();
		assert.equal(coarse.medianPrecisionSeconds, 30);
		assert.ok(Math.abs(coarse.medianSeconds - (7 * 3600 + 10)) <= 30);
		const [above] = statsOf([listen(start, 8 * 86400)], {exactMedianLimit: 0}).summary();
		assert.equal(above.medianPrecisionSeconds, null);
		assert.equal(above.medianSeconds, 7 * 86400);
		assert.match(renderListeningSummary([above]), /median over 168:00:00/);
	});

	it('coarsened peak counters give a lower bound, sampled at the minute', () => {
		const base = utc('2026-11-21 00:00:00');
		// Two listeners overlap for 10 s inside one minute: invisible at 1-minute resolution.
		const listens = [listen(base + 600, 20), listen(base + 610, 20)];
		for (let hour = 1; hour < 10; hour++) listens.push(listen(base + hour * 3600, 30 * 86400));
		const fine = statsOf(listens.slice(0, 2)).summary()[0];
		assert.equal(fine.peakListeners, 2);
		const blurred = statsOf(listens.slice(0, 2), {maxPeakChunks: 0}).summary()[0];
		assert.equal(blurred.peakResolutionSeconds, 60);
		assert.equal(blurred.peakListeners, 0, 'both start and end inside one bucket');
		const [coarse] = statsOf(listens, {maxPeakChunks: 4}).summary();
		assert.ok(coarse.peakResolutionSeconds >= 60);
		assert.equal(coarse.peakListeners, 9);
		const exact = bruteForce(listens);
		assert.ok(coarse.peakListeners <= exact.peak);
	});

	it('a fractional duration counts its exact seconds; zero-second listens count as listeners, not as concurrent', () => {
		const start = utc('2026-11-21 12:00:00');
		const [summary] = statsOf([listen(start, 95.5), listen(start, 0), listen(start, 0)]).summary();
		assert.equal(summary.listeners, 3);
		assert.equal(summary.totalSeconds, 95.5);
		assert.equal(summary.medianSeconds, 0);
		assert.equal(summary.peakListeners, 1);
	});

	it('formats durations as h:mm:ss', () => {
		assert.equal(formatDuration(0), '0:00:00');
		assert.equal(formatDuration(1350), '0:22:30');
		assert.equal(formatDuration(93_600.4), '26:00:00');
	});
});
