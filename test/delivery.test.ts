/**
 * Delivery as Matomo needs it: the order in which a visitor's hits arrive (Matomo builds visits from it), what is
 * resent after a failure, and how the recorders adapt to what the server says (413, Retry-After).
 */
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runCli, runImport, writeLog} from './helpers.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({token: 'test-token'});
});

after(async () => {
	await matomo.close();
});

const paths = () => matomo.received.map(hit => new URL(hit.params.url!).pathname);

/** A combined-format log whose third field (the user) is a user id, read by a format that keeps it. */
const withUserIds = [
	'--log-format-regex',
	String.raw`(?P<ip>\S+) \S+ (?P<userid>\S+) \[(?P<date>.*?) (?P<timezone>.*?)\] "\S+ (?P<path>.*?) \S+" (?P<status>\d+) (?P<length>\S+)`,
];

test("one recorder sends every hit in the log's own order, as the reference does", async () => {
	matomo.reset();
	const lines = Array.from({length: 150}, (_, i) => combinedLine({ip: `10.9.${i % 37}.${i % 11}`, path: `/order/${i}`}));
	const result = await runImport(['--idsite=1', '--recorders=1', '--recorder-max-payload-size=7', writeLog(lines)], {url: matomo.url});
	assert.equal(result.exitCode, 0);
	assert.equal(result.state.lanes.length, 1, 'one lane');
	assert.deepEqual(
		paths(),
		lines.map((_, i) => `/order/${i}`),
	);
});

test('with 4 recorders, a user id seen from several IPs reaches Matomo in log order, with the anonymous hits of those IPs', async () => {
	matomo.reset();
	// The first request Matomo answers is slow: under lanes chosen by IP, the user's later hits from other IPs would
	// overtake the ones held up in it.
	matomo.setFaults([{kind: 'slow', ms: 400, times: 1}]);
	const lines: string[] = [];
	for (let i = 0; i < 60; i++) {
		const ip = `10.7.0.${i % 5}`;
		// alice moves between five IPs; anonymous visitors share those IPs; others come and go.
		lines.push(combinedLine({ip, user: 'alice', path: `/alice/${i}`, date: `10/Feb/2024:10:${String(i % 60).padStart(2, '0')}:00 +0000`}));
		if (i % 3 === 0) lines.push(combinedLine({ip, path: `/anonymous/${ip}/${i}`, date: `10/Feb/2024:10:${String(i % 60).padStart(2, '0')}:10 +0000`}));
		lines.push(
			combinedLine({
				ip: `10.8.${i}.1`,
				user: `user${i % 7}`,
				path: `/other/${i}`,
				date: `10/Feb/2024:10:${String(i % 60).padStart(2, '0')}:20 +0000`,
			}),
		);
	}

	const result = await runImport(['--idsite=1', '--recorders=4', '--recorder-max-payload-size=3', ...withUserIds, writeLog(lines)], {
		url: matomo.url,
	});
	assert.equal(result.exitCode, 0, result.state.failure ?? undefined);
	const received = paths();
	assert.equal(received.length, lines.length, 'every hit once');
	assert.equal(new Set(received).size, lines.length);
	const inLogOrder = (prefix: string) => {
		const got = received.filter(path => path.startsWith(prefix));
		const expected = lines.map(line => /"GET (\S+)/.exec(line)![1]!).filter(path => path.startsWith(prefix));
		assert.deepEqual(got, expected, `${prefix} in log order`);
	};

	inLogOrder('/alice/');
	for (let ip = 0; ip < 5; ip++) inLogOrder(`/anonymous/10.7.0.${ip}/`);
	// What Matomo could merge: alice and the anonymous hits of her IPs, in log order together.
	const merged = received.filter(path => path.startsWith('/alice/') || path.startsWith('/anonymous/'));
	const expectedMerged = lines.map(line => /"GET (\S+)/.exec(line)![1]!).filter(path => path.startsWith('/alice/') || path.startsWith('/anonymous/'));
	assert.deepEqual(merged, expectedMerged);
	assert.ok(new Set(matomo.received.map(hit => hit.params.uid)).has('alice'), 'the user id is sent');
});

test('a request refused as too large (HTTP 413) is sent again in halves, and later requests stay smaller', async () => {
	const small = await startMatomoDouble({token: 'test-token', maxBulkRequests: 5});
	try {
		const lines = Array.from({length: 43}, (_, i) => combinedLine({ip: '10.6.0.1', path: `/big/${i}`}));
		const result = await runImport(['--idsite=1', '--recorder-max-payload-size=20', writeLog(lines)], {url: small.url});
		assert.equal(result.exitCode, 0, result.state.failure ?? undefined);
		assert.deepEqual(
			small.received.map(hit => new URL(hit.params.url!).pathname),
			lines.map((_, i) => `/big/${i}`),
		);
		assert.ok(
			result.state.notices.some(notice => /413/.test(notice) && /at most 5 hits/.test(notice)),
			result.state.notices.join('\n'),
		);
		assert.equal(result.state.batchSize, 5);
	} finally {
		await small.close();
	}
});

test('a server that refuses even one hit as too large stops the run with a message that says so', async () => {
	const none = await startMatomoDouble({token: 'test-token', maxBulkRequests: 0});
	try {
		const result = await runImport(['--idsite=1', writeLog([combinedLine({path: '/x'})])], {url: none.url});
		assert.equal(result.exitCode, 1);
		assert.match(result.state.failure ?? '', /413/);
		assert.match(result.state.failure ?? '', /run the same command again/i);
	} finally {
		await none.close();
	}
});

test('tracking retries wait as long as Retry-After says', async () => {
	matomo.reset();
	matomo.setFaults([{kind: '503', retryAfter: 2, times: 1}]);
	const started = Date.now();
	const result = await runImport(['--idsite=1', '--retry-delay=0.01', writeLog([combinedLine({path: '/later'})])], {url: matomo.url});
	const elapsed = Date.now() - started;
	assert.equal(result.exitCode, 0);
	assert.deepEqual(paths(), ['/later']);
	assert.ok(elapsed >= 1900, `waited ${elapsed} ms, less than Retry-After`);
	const sample = result.state.matomoErrors[0]!;
	assert.equal(sample.maxAttempts, 3);
	assert.ok(sample.retryAt !== null && sample.retryAt - sample.at >= 2000, 'the retry is due when Retry-After said');
});

test('when the retries run out, the message says what Matomo answered and that running again resumes', async () => {
	matomo.reset();
	matomo.setFaults([{kind: '500'}]);
	const result = await runImport(['--idsite=1', '--retry-delay=0.01', '--retry-max-attempts=2', writeLog([combinedLine({})])], {
		url: matomo.url,
	});
	matomo.clearFaults();
	assert.equal(result.exitCode, 1);
	const failure = result.state.failure ?? '';
	assert.doesNotMatch(failure, /unreachable/, 'Matomo answered: it is not unreachable');
	assert.match(failure, /HTTP 500/);
	assert.match(failure, /after 2 attempts/);
	assert.match(failure, /run the same command again/i);
});

test('a token that can only view is refused before anything is sent: Matomo would count every hit as invalid', async () => {
	const double = await startMatomoDouble({token: 'write-token', viewOnlyTokens: ['view-token']});
	try {
		const log = writeLog([combinedLine({path: '/v'})]);
		const result = await runCli([`--url=${double.url}`, '--token-auth=view-token', '--idsite=1', log]);
		assert.equal(result.code, 1, result.stderr);
		assert.match(result.stderr, /cannot write to any site/);
		assert.match(result.stderr, /write \(or admin\) access/);
		assert.equal(double.bulkPosts, 0);
		const good = await runCli([`--url=${double.url}`, '--token-auth=write-token', '--idsite=1', log]);
		assert.equal(good.code, 0, good.stderr);
		assert.equal(double.received.length, 1);
	} finally {
		await double.close();
	}
});

test("with several recorders, the first hit of each site-day goes alone: the day's other hits wait for its answer", async () => {
	matomo.reset();
	// Matomo makes a day's fingerprint salt with its first hit; two requests bringing a new day at once race for it.
	matomo.setFaults([{kind: 'slow', ms: 300, times: 1}]);
	const lines: string[] = [];
	for (const day of ['10', '11', '12']) {
		for (let i = 0; i < 40; i++)
			lines.push(combinedLine({ip: `10.5.${i}.1`, path: `/d${day}/${i}`, date: `${day}/Feb/2024:12:00:${String(i).padStart(2, '0')} +0000`}));
	}

	const result = await runImport(['--idsite=1', '--recorders=4', '--recorder-max-payload-size=5', writeLog(lines)], {url: matomo.url});
	assert.equal(result.exitCode, 0, result.state.failure ?? undefined);
	assert.equal(matomo.received.length, lines.length);
	for (const day of ['10', '11', '12']) {
		const hits = matomo.received.filter(hit => new URL(hit.params.url!).pathname.startsWith(`/d${day}/`));
		const firstPost = Math.min(...hits.map(hit => hit.post!));
		const opener = hits.filter(hit => hit.post === firstPost);
		assert.equal(opener.length, 1, `day ${day}: its first request carries one hit of the day`);
		// Every other hit of the day came in a request sent after the opener's answer.
		const openerAnswered = opener[0]!.at;
		for (const hit of hits) if (hit !== opener[0]) assert.ok(hit.post! > firstPost && hit.at >= openerAnswered);
	}
});

test("sites found by host name keep their own days: the first hit after the site's midnight goes alone", async () => {
	// 15:00 UTC is midnight in Tokyo: the same UTC day, but a new day for the site.
	const double = await startMatomoDouble({
		token: 'test-token',
		now: () => Date.UTC(2024, 1, 11),
		sites: [{idsite: 1, name: 'Tokyo', main_url: 'http://tokyo.example', timezone: 'Asia/Tokyo'}],
	});
	try {
		const lines: string[] = [];
		for (const [minute, group] of [
			['14:59', 'before'],
			['15:00', 'after'],
		] as const) {
			for (let i = 0; i < 30; i++)
				lines.push(`tokyo.example 10.6.${i}.1 - - [10/Feb/2024:${minute}:${String(i).padStart(2, '0')} +0000] "GET /${group}/${i} HTTP/1.1" 200 100`);
		}

		const result = await runImport(['--recorders=4', '--recorder-max-payload-size=5', writeLog(lines)], {url: double.url});
		assert.equal(result.exitCode, 0, result.state.failure ?? undefined);
		assert.equal(double.received.length, lines.length);
		const after = double.received.filter(hit => new URL(hit.params.url!).pathname.startsWith('/after/'));
		const firstPost = Math.min(...after.map(hit => hit.post!));
		const opener = after.filter(hit => hit.post === firstPost);
		assert.equal(opener.length, 1, "the site's new day opens with one of its hits");
		for (const hit of after) if (hit !== opener[0]) assert.ok(hit.post! > firstPost && hit.at >= opener[0]!.at, 'the others wait for its answer');
	} finally {
		await double.close();
	}
});

test('one recorder needs no day gate: hits of a new day ride with the others', async () => {
	matomo.reset();
	const lines = ['10', '11'].flatMap(day =>
		Array.from({length: 6}, (_, i) => combinedLine({ip: `10.4.${i}.1`, path: `/e${day}/${i}`, date: `${day}/Feb/2024:12:00:0${i} +0000`})),
	);
	const result = await runImport(['--idsite=1', '--recorders=1', '--recorder-max-payload-size=50', writeLog(lines)], {url: matomo.url});
	assert.equal(result.exitCode, 0);
	assert.equal(new Set(matomo.received.map(hit => hit.post)).size, 1, 'one request');
});
