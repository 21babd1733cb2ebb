/**
 * The parse worker (issue 6): a big input parsed in a worker thread must give Matomo exactly what the run's own
 * thread gives it, count every line under the same reason, and keep exactly-once across a stop and a resume.
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
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

/** A log with every kind of line: pages, static files, downloads, bots, errors, redirects, invalid lines, bytes that are not UTF-8, CRLF. */
function mixedLog(lines: number, seed = 7): Buffer {
	const random = seededRandom(seed);
	const parts: Buffer[] = [];
	for (let i = 0; i < lines; i++) {
		const pick = random();
		const second = String(i % 60).padStart(2, '0');
		const minute = String(Math.floor(i / 60) % 60).padStart(2, '0');
		const common = {ip: `10.1.${i % 7}.${Math.floor(random() * 250)}`, date: `10/Feb/2024:10:${minute}:${second} +0000`};
		let line: string | Buffer;
		if (pick < 0.45) line = combinedLine({...common, path: `/page/${i}?q=${i % 13}&r=é`, referrer: i % 3 ? 'https://example.org/from' : '-'});
		else if (pick < 0.65) line = combinedLine({...common, path: `/static/app.${i % 5}.css`});
		else if (pick < 0.7) line = combinedLine({...common, path: `/files/report-${i}.pdf`});
		else if (pick < 0.78) line = combinedLine({...common, path: `/p/${i}`, ua: 'Mozilla/5.0 (compatible; Googlebot/2.1)'});
		else if (pick < 0.83) line = combinedLine({...common, path: `/missing/${i}`, status: 404});
		else if (pick < 0.87) line = combinedLine({...common, path: `/moved/${i}`, status: 301});
		else if (pick < 0.9) line = `garbage line ${i} that matches no format`;
		else if (pick < 0.92)
			line = Buffer.concat([
				Buffer.from(combinedLine({...common, path: `/latin/${i}-`}).slice(0, 60)),
				Buffer.from([0xe9, 0xff]),
				Buffer.from(combinedLine({...common}).slice(60)),
			]);
		else line = combinedLine({...common, path: `/ünï/${i}`, ua: 'Mozilla/5.0 Ünicode Browser'});
		parts.push(Buffer.isBuffer(line) ? line : Buffer.from(line), Buffer.from(i % 11 === 0 ? '\r\n' : '\n'));
	}

	return Buffer.concat(parts);
}

/** What Matomo received, independent of the lanes' interleaving: each request as sorted params, sorted. */
function receivedRequests(): string[] {
	return matomo.received.map(hit => JSON.stringify(Object.entries(hit.params).sort())).sort();
}

function countsOf(state: Awaited<ReturnType<typeof runImport>>['state']) {
	const {linesRead, hitsRecorded, downloads, skipped} = state.counters;
	return {
		linesRead,
		hitsRecorded,
		downloads,
		skipped,
		invalid: state.invalidSamples.map(sample => `${sample.lineNumber} ${sample.reason}`),
	};
}

test("a big input parsed in a worker sends the requests and counts of the run's own thread", async () => {
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	fs.writeFileSync(log, mixedLog(6000));
	const args = ['--idsite=1', '--recorders=3', '--enable-http-errors', log];
	matomo.reset();
	const inProcess = await runImport(args, {url: matomo.url, parseWorker: 'never'});
	const expected = receivedRequests();
	assert.equal(inProcess.state.inputs[0]!.parsedInWorker, false);
	assert.ok(expected.length > 2000, `${expected.length} hits`);
	// The worker alone, and the worker with the run's thread parsing whatever batch it would otherwise wait for.
	for (const shareParsing of [false, true]) {
		matomo.reset();
		const inWorker = await runImport(args, {url: matomo.url, parseWorker: 'always', shareParsing});
		assert.equal(inWorker.exitCode, 0);
		assert.equal(inWorker.state.inputs[0]!.parsedInWorker, true);
		assert.deepEqual(receivedRequests(), expected);
		assert.deepEqual(countsOf(inWorker.state), countsOf(inProcess.state));
		assert.ok(inWorker.state.counters.skipped.invalid > 100 && inWorker.state.counters.downloads > 100);
	}
});

test("a dry run and a .gz input through the worker count the same as in the run's own thread", async () => {
	const dir = tempDir();
	const log = path.join(dir, 'access.log.gz');
	fs.writeFileSync(log, zlib.gzipSync(mixedLog(5000, 11)));
	const dry = ['--idsite=1', '--dry-run', log];
	const a = await runImport(dry, {parseWorker: 'never'});
	const b = await runImport(dry, {parseWorker: 'always', shareParsing: true});
	assert.deepEqual(countsOf(b.state), countsOf(a.state));
	assert.ok(b.state.inputs[0]!.parsedInWorker);
	assert.equal(b.state.inputs[0]!.bytesRead, fs.statSync(log).size);

	matomo.reset();
	await runImport(['--idsite=1', log], {url: matomo.url, parseWorker: 'never'});
	const expected = receivedRequests();
	matomo.reset();
	await runImport(['--idsite=1', log], {url: matomo.url, parseWorker: 'always', shareParsing: false});
	assert.deepEqual(receivedRequests(), expected);
});

test('a stop in the middle of a worker-parsed input, then a resume: every hit once', async () => {
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	const total = 8000;
	const lines = Array.from({length: total}, (_, i) =>
		combinedLine({
			ip: `10.2.${i % 9}.${i % 250}`,
			path: `/once/${i}`,
			date: `10/Feb/2024:10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000`,
		}),
	);
	fs.writeFileSync(log, lines.join('\n') + '\n');
	const args = ['--idsite=1', `--state-file=${path.join(dir, 'state.json')}`, '--recorders=2', '--recorder-max-payload-size=40', log];
	matomo.reset();
	matomo.setFaults([{kind: 'slow', ms: 5}]);
	const stopped = await runImport(args, {
		url: matomo.url,
		parseWorker: 'always',
		shareParsing: true,
		onRun(run) {
			const timer = setInterval(() => {
				if (matomo.hitCount() >= 3000) {
					clearInterval(timer);
					run.stop('graceful');
				}
			}, 2);
		},
	});
	matomo.clearFaults();
	assert.equal(stopped.exitCode, 130);
	const first = matomo.hitCount();
	assert.ok(first >= 3000 && first < total, `${first} hits before the stop`);
	const resumed = await runImport(args, {url: matomo.url, parseWorker: 'always'});
	assert.equal(resumed.exitCode, 0);
	assert.ok(stopped.state.inputs[0]!.parsedInWorker && resumed.state.inputs[0]!.parsedInWorker);
	const paths = matomo.received.map(hit => new URL(hit.params.url!).pathname);
	assert.equal(new Set(paths).size, total, 'every line reached Matomo');
	assert.equal(paths.length, total, 'none twice');
	assert.equal(resumed.state.counters.skipped.alreadyImported + resumed.state.counters.hitsRecorded, total);
});
