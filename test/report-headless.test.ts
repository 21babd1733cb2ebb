/**
 * What a headless run (cron) tells: failed requests and their retries on stderr as they happen, the retries and a
 * sub-second time in the summary, and no credentials from the URL anywhere.
 */
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {startMatomoDouble} from './matomo-double.js';
import {combinedLine, runCli, tempDir, writeLog} from './helpers.js';
import {matomoErrorLines} from '../source/report/headless.js';

const token = 'report-token-5d1';
const double = await startMatomoDouble({
	token,
	basicAuth: {user: 'proxy', password: 'pw-91c2e'},
	sites: [{idsite: 1, name: 'Main', main_url: 'http://www.example.com'}],
});
after(() => double.close());

test("headless: a failed request and its retry are logged on stderr; the summary counts them; the URL's password is never printed", async () => {
	double.reset();
	double.setFaults([{kind: '500', times: 1}]);
	const dir = tempDir('mli-report-');
	const log = writeLog([combinedLine({path: '/a'}), combinedLine({path: '/b'})], 'access.log', dir);
	const url = double.url.replace('http://', 'http://proxy:pw-91c2e@');
	const result = await runCli([`--url=${url}`, '--idsite=1', '--retry-delay=0', `--state-file=${path.join(dir, 'state.json')}`, log], {
		env: {MATOMO_TOKEN_AUTH: token},
	});
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stderr, /\[WARNING\] Error when connecting to Matomo: .*500/);
	assert.match(result.stderr, /\[WARNING\] Retrying request, attempt number 2 of 3/);
	assert.match(result.stdout, /2 requests imported successfully/);
	assert.match(result.stdout, /Matomo errors: 1 request retried, 0 failed for good \(last: .*500/);
	assert.match(result.stdout, /Total time: 0\.\d\d seconds/);
	assert.match(result.stdout, /core:archive --force-all-websites --url='http:\/\/127\.0\.0\.1:\d+'/);
	assert.ok(!`${result.stdout}${result.stderr}`.includes('pw-91c2e'));
});

test('the retry line says when, and the last attempt says it gives up', () => {
	const at = Date.parse('2026-01-01T10:00:00Z');
	const retry = matomoErrorLines({seq: 1, at, status: 500, message: 'HTTP 500', attempt: 1, maxAttempts: 3, willRetry: true, retryAt: at + 6500}, 3, at);
	assert.deepEqual(retry, [
		'2026-01-01 10:00:00: [WARNING] Error when connecting to Matomo: HTTP 500',
		'2026-01-01 10:00:00: [WARNING] Retrying request, attempt number 2 of 3, in 7 s',
	]);
	const last = matomoErrorLines({seq: 2, at, status: 500, message: 'HTTP 500', attempt: 3, maxAttempts: 3, willRetry: false, retryAt: null}, 3, at);
	assert.equal(last[1], '2026-01-01 10:00:00: [ERROR] Giving up on this request after 3 attempts');
});

test('with --track-listening-time the summary says what was sent for the listens counted as downloads', async () => {
	const {createRunState} = await import('../source/run/run-state.js');
	const {renderSummary} = await import('../source/report/summary.js');
	const state = createRunState(false);
	state.counters.downloads = 12;
	state.listening = {mounts: [], total: null};
	assert.match(
		renderSummary(state, {apiUrl: 'http://m'}),
		/12 requests were downloads \(listens to a mount point among them: sent as page views with a "Listening" event, not as downloads\)/,
	);
	state.listening = null;
	assert.match(renderSummary(state, {apiUrl: 'http://m'}), /12 requests were downloads\n/);
});
