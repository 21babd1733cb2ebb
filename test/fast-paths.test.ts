/**
 * The fast and slow paths of a hit must send the same requests and count the same: a hit the line stage completes
 * (HIT: one site for every hit, its request built where it is parsed) and one it leaves to the run (HIT_SLOW: the
 * site looked up per hit), on the same log.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runImport, tempDir} from './helpers.js';
import {seededRandom} from './seeded-random.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({token: 'test-token', now: () => Date.UTC(2024, 1, 11)});
});

after(async () => {
	await matomo.close();
});

function log(lines: number): string {
	const random = seededRandom(23);
	const out: string[] = [];
	for (let i = 0; i < lines; i++) {
		const roll = random();
		const common = {
			ip: `10.3.${i % 5}.${i % 200}`,
			date: `10/Feb/2024:11:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000`,
		};
		if (roll < 0.05) out.push(`not a log line ${i}`);
		else if (roll < 0.2) out.push(combinedLine({...common, path: `/static/s${i}.js`}));
		else if (roll < 0.3) out.push(combinedLine({...common, path: `/gone/${i}`, status: 404}));
		else out.push(combinedLine({...common, path: `/page/${i}?a=${i % 9}`, referrer: i % 2 ? 'https://example.org/' : '-'}));
	}

	const file = path.join(tempDir(), 'access.log');
	fs.writeFileSync(file, out.join('\n') + '\n');
	return file;
}

function received(): string[] {
	return matomo.received.map(hit => JSON.stringify(Object.entries(hit.params).sort())).sort();
}

function counts(state: Awaited<ReturnType<typeof runImport>>['state']) {
	const {linesRead, hitsRecorded, downloads, skipped} = state.counters;
	return {
		linesRead,
		hitsRecorded,
		downloads,
		skipped: {...skipped, noSite: 0},
		invalid: state.invalidSamples.map(sample => `${sample.lineNumber} ${sample.reason} ${sample.line}`),
	};
}

for (const parseWorker of ['never', 'always'] as const) {
	test(`HIT and HIT_SLOW send the same requests and counts (parsing: ${parseWorker === 'never' ? "the run's thread" : 'a worker'})`, async () => {
		const file = log(3000);
		matomo.reset();
		const fast = await runImport(['--idsite=1', '--log-hostname=www.example.org', '--recorders=2', file], {url: matomo.url, parseWorker});
		const fastRequests = received();
		assert.ok(fastRequests.length > 1500, `${fastRequests.length} requests`);
		// No --idsite: each hit's site is looked up by its host (unknown to this Matomo), and the fallback is site 1.
		matomo.reset();
		const slow = await runImport(['--idsite-fallback=1', '--log-hostname=www.example.org', '--recorders=2', file], {
			url: matomo.url,
			parseWorker,
		});
		assert.equal(slow.exitCode, 0, slow.state.failure ?? '');
		assert.equal(fast.exitCode, 0, fast.state.failure ?? '');
		assert.deepEqual(received(), fastRequests);
		assert.deepEqual(counts(slow.state), counts(fast.state));
	});
}
