/**
 * Radio stations end to end (issue 5): an Icecast log with --track-listening-time → the requests Matomo receives,
 * in time order per visitor, and the listening summary.
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {runImport, writeLog} from './helpers.js';
import {renderSummary} from '../source/report/summary.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({
		token: 'test-token',
		sites: [{idsite: 1, name: 'Radio', main_url: 'https://radio.example.com'}],
		now: () => Date.UTC(2026, 10, 23),
	});
});

after(async () => {
	await matomo.close();
});

const icecast = (ip: string, disconnect: string, path: string, status: number, seconds: number | string) =>
	`${ip} - - [${disconnect} +0000] "GET ${path} HTTP/1.1" ${status} 1000 "-" "VLC/3.0.18 LibVLC/3.0.18" ${seconds}`;

test('each listen: a page view at its start, an event worth its seconds, heartbeats inside the visit window', async () => {
	matomo.reset();
	const log = writeLog([
		// 45 minutes, disconnect at 10:45 → start 10:00
		icecast('198.51.100.1', '21/Nov/2026:10:45:00', '/live.mp3?token=x', 200, 2700),
		// Left before the first listener (10:40) but started later (10:30).
		icecast('198.51.100.2', '21/Nov/2026:10:40:00', '/live.mp3', 200, 600),
		icecast('192.0.2.9', '21/Nov/2026:10:41:00', '/wrong.mp3', 404, 0),
	]);
	const result = await runImport(['--idsite=1', '--track-listening-time', log], {url: matomo.url});
	assert.equal(result.exitCode, 0);
	const first = matomo.received.filter(hit => hit.params.cip === '198.51.100.1').map(hit => hit.params);
	assert.deepEqual(
		first.map(p => [p.cdt, p.e_c ?? (p.ping ? 'ping' : 'pageview'), p.e_v ?? '']),
		[
			['2026-11-21 10:00:00', 'pageview', ''],
			['2026-11-21 10:00:01', 'Listening', '2700'],
			['2026-11-21 10:15:00', 'ping', ''],
			['2026-11-21 10:30:00', 'ping', ''],
		],
	);
	// The mount point without its query string; never an action at the disconnect time (it would open a second visit).
	assert.equal(first[0]!.url, 'https://radio.example.com/live.mp3');
	assert.equal(first[1]!.e_a, '/live.mp3');
	assert.ok(first.every(p => p.cdt! < '2026-11-21 10:45:00'));
	assert.equal(result.state.counters.skipped.httpError, 1);

	// Each visitor's requests reach Matomo in time order (the lines came in disconnect order).
	for (const ip of ['198.51.100.1', '198.51.100.2']) {
		const times = matomo.received.filter(hit => hit.params.cip === ip).map(hit => hit.params.cdt!);
		assert.deepEqual(times, [...times].sort());
	}

	const text = renderSummary(result.state, {apiUrl: matomo.url});
	assert.match(text, /\/live\.mp3: 2 listeners, 0\.92 listening hours \(ATH\), average 0:27:30, median 0:27:30, peak 2 concurrent/);
});

test('without the option, the same log is imported as the reference does (at disconnect, no event)', async () => {
	matomo.reset();
	await runImport(['--idsite=1', writeLog([icecast('198.51.100.1', '21/Nov/2026:10:45:00', '/live.mp3', 200, 2700)])], {url: matomo.url});
	assert.equal(matomo.received.length, 1);
	assert.equal(matomo.received[0]!.params.cdt, '2026-11-21 10:45:00');
	assert.equal(matomo.received[0]!.params.e_c, undefined);
});

test('--visit-length: with a longer Matomo visit window the heartbeats go on as far as it allows', async () => {
	matomo.reset();
	// 2 hours, disconnect at 12:00 → start 10:00; a Matomo with visit_standard_length = 3600.
	const log = writeLog([icecast('198.51.100.9', '21/Nov/2026:12:00:00', '/live.mp3', 200, 7200)]);
	await runImport(['--idsite=1', '--track-listening-time', '--visit-length=3600', log], {url: matomo.url});
	const pings = matomo.received.filter(hit => hit.params.ping === '1').map(hit => hit.params.cdt);
	assert.deepEqual(pings, ['2026-11-21 10:15:00', '2026-11-21 10:30:00', '2026-11-21 10:45:00', '2026-11-21 11:00:00']);
});
