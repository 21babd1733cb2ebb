/**
 * The engine end to end: a log file → the tracking requests the Matomo test double receives over real sockets.
 * Expected values are worked out by hand from the reference's rules (inventory §3, §4).
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runImport, writeLog} from './helpers.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({
		token: 'test-token',
		sites: [
			{idsite: 1, name: 'Main', main_url: 'https://www.example.com'},
			{idsite: 3, name: 'Blog', main_url: 'http://blog.example.net'},
		],
		now: () => Date.UTC(2024, 1, 11, 12, 0, 0),
	});
});

after(async () => {
	await matomo.close();
});

function received() {
	return matomo.received.map(hit => hit.params);
}

test("a page view carries exactly the reference's parameters", async () => {
	matomo.reset();
	const log = writeLog([
		combinedLine({
			ip: '198.51.100.7',
			date: '10/Feb/2024:10:00:00 -0500',
			path: '/blog/post?x=1',
			referrer: 'https://www.google.com/',
			user: 'alice',
			size: 5120,
		}),
	]);
	const result = await runImport(['--idsite=1', log], {url: matomo.url});
	assert.equal(result.exitCode, 0);
	const [params] = received();
	assert.deepEqual(params, {
		queuedtracking: '0',
		rec: '1',
		apiv: '1',
		url: 'https://www.example.com/blog/post?x=1',
		urlref: 'https://www.google.com/',
		cip: '198.51.100.7',
		// -0500 local → +5 h in UTC
		cdt: '2024-02-10 15:00:00',
		idsite: '1',
		dp: '1',
		ua: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0',
		uid: 'alice',
		cvar: '{"1": ["HTTP-code", "200"]}',
		bw_bytes: '5120',
	});
	assert.deepEqual(matomo.violations, []);
	assert.equal(result.state.counters.hitsRecorded, 1);
});

test('static files, bots, errors and redirects are skipped by default and counted by reason', async () => {
	matomo.reset();
	const log = writeLog([
		combinedLine({path: '/'}),
		combinedLine({path: '/style.css'}),
		combinedLine({path: '/robots.txt'}),
		combinedLine({path: '/page', ua: 'Mozilla/5.0 (compatible; Googlebot/2.1)'}),
		combinedLine({path: '/missing', status: 404}),
		combinedLine({path: '/moved', status: 301}),
		combinedLine({path: '/same', status: 304}),
		combinedLine({path: '/report.pdf'}),
		'garbage that is no log line',
	]);
	const result = await runImport(['--idsite=1', log], {url: matomo.url});
	const skipped = result.state.counters.skipped;
	assert.equal(skipped.static, 2);
	assert.equal(skipped.bot, 1);
	assert.equal(skipped.httpError, 1);
	assert.equal(skipped.httpRedirect, 1);
	assert.equal(skipped.invalid, 1);
	// robots.txt counts as a download (txt) before being skipped as static, like the reference; the pdf is one.
	assert.equal(result.state.counters.downloads, 2);
	assert.deepEqual(
		received()
			.map(p => p.url)
			.sort(),
		['https://www.example.com/', 'https://www.example.com/report.pdf', 'https://www.example.com/same'],
	);
	const pdf = received().find(p => p.url.endsWith('.pdf'))!;
	assert.equal(pdf.download, 'https://www.example.com/report.pdf');
	assert.equal(result.state.invalidSamples[0]?.lineNumber, 9);
});

test("--enable-* turn skips into tracked hits with the reference's markers", async () => {
	matomo.reset();
	const log = writeLog([
		combinedLine({path: '/style.css'}),
		combinedLine({path: '/page', ua: 'Mozilla/5.0 (compatible; Googlebot/2.1)'}),
		combinedLine({path: '/missing', status: 404, referrer: 'https://a.example/x?y=1'}),
		combinedLine({path: '/moved', status: 301}),
	]);
	await runImport(['--idsite=1', '--enable-static', '--enable-bots', '--enable-http-errors', '--enable-http-redirects', log], {
		url: matomo.url,
	});
	const byUrl = new Map(received().map(p => [p.url, p]));
	assert.equal(byUrl.get('https://www.example.com/style.css')?.download, 'https://www.example.com/style.css');
	const bot = byUrl.get('https://www.example.com/page')!;
	assert.equal(bot.bots, '1');
	assert.equal(bot._cvar, '{"1": ["Bot", "Mozilla/5.0 (compatible; Googlebot/2.1)"]}');
	assert.equal(
		byUrl.get('https://www.example.com/missing')?.action_name,
		'404/URL = https%3A%2F%2Fwww.example.com%2Fmissing/From = https%3A%2F%2Fa.example%2Fx%3Fy%3D1',
	);
	assert.equal(byUrl.get('https://www.example.com/moved')?.action_name, '301/URL = https%3A%2F%2Fwww.example.com%2Fmoved');
	assert.equal(byUrl.get('https://www.example.com/style.css')?._cvar, '{"1": ["Not-Bot", "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"]}');
});

test('path filters are counted (the reference drops them silently)', async () => {
	matomo.reset();
	const log = writeLog([combinedLine({path: '/admin/x'}), combinedLine({path: '/public/a'}), combinedLine({path: '/public/b.html'})]);
	const result = await runImport(['--idsite=1', '--exclude-path=/admin/*', '--include-path=/public/*.html', log], {url: matomo.url});
	assert.equal(result.state.counters.skipped.excludedPath, 1);
	assert.equal(result.state.counters.skipped.notIncludedPath, 1);
	assert.deepEqual(
		received().map(p => p.url),
		['https://www.example.com/public/b.html'],
	);
});

test('every hit of a visitor reaches Matomo in log order, across concurrent lanes', async () => {
	matomo.reset();
	const lines: string[] = [];
	for (let i = 0; i < 600; i++) {
		const visitor = i % 13;
		const seconds = String(i % 60).padStart(2, '0');
		const minutes = String(Math.floor(i / 60)).padStart(2, '0');
		lines.push(combinedLine({ip: `10.0.0.${visitor}`, path: `/p/${i}`, date: `10/Feb/2024:10:${minutes}:${seconds} +0000`}));
	}

	const log = writeLog(lines);
	const result = await runImport(['--idsite=1', '--recorders=4', '--recorder-max-payload-size=7', log], {url: matomo.url});
	assert.equal(result.state.counters.hitsRecorded, 600);
	const perVisitor = new Map<string, number[]>();
	for (const params of received()) {
		const n = Number(params.url.split('/p/')[1]);
		perVisitor.set(params.cip, [...(perVisitor.get(params.cip) ?? []), n]);
	}

	assert.equal(perVisitor.size, 13);
	for (const sequence of perVisitor.values())
		assert.deepEqual(
			sequence,
			[...sequence].sort((a, b) => a - b),
		);
});

test('a 500 and a reset are retried: Matomo gets every hit exactly once', async () => {
	matomo.reset();
	matomo.setFaults([
		{kind: '500', times: 2},
		{kind: 'reset', times: 1},
	]);
	const lines = Array.from({length: 50}, (_, i) => combinedLine({ip: `10.1.0.${i % 5}`, path: `/r/${i}`}));
	const result = await runImport(
		['--idsite=1', '--recorders=2', '--recorder-max-payload-size=10', '--retry-delay=0.01', '--retry-max-attempts=5', writeLog(lines)],
		{url: matomo.url},
	);
	assert.equal(result.exitCode, 0);
	const urls = received()
		.map(p => p.url)
		.sort();
	assert.equal(urls.length, 50);
	assert.equal(new Set(urls).size, 50);
	assert.ok(result.state.counters.retries >= 3);
});

test('with --bulk-requests-without-transaction, a partial failure resends only the hits Matomo did not track', async () => {
	matomo.reset();
	// Matomo with bulk_requests_use_transaction = 0: the first 4 hits were kept.
	matomo.setFaults([{kind: 'partial', tracked: 4, times: 1}]);
	const lines = Array.from({length: 10}, (_, i) => combinedLine({ip: '10.2.0.1', path: `/q/${i}`}));
	const result = await runImport(
		['--idsite=1', '--recorder-max-payload-size=10', '--retry-delay=0.01', '--bulk-requests-without-transaction', writeLog(lines)],
		{url: matomo.url},
	);
	assert.equal(result.exitCode, 0);
	assert.deepEqual(
		received().map(p => p.url.split('/q/')[1]),
		['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
	);
});

test('by host name: sites are looked up once per host, unknown hosts fall back or are counted', async () => {
	matomo.reset();
	const vhost = (host: string, path: string) => `${host} 192.0.2.9 - - [10/Feb/2024:10:00:00 +0000] "GET ${path} HTTP/1.1" 200 10 "-" "Mozilla/5.0"`;
	const log = writeLog([vhost('blog.example.net', '/a'), vhost('unknown.example', '/b'), vhost('blog.example.net', '/c'), vhost('unknown.example', '/d')]);
	const result = await runImport([log], {url: matomo.url});
	assert.deepEqual(
		received().map(p => [p.url, p.idsite]),
		[
			['http://blog.example.net/a', '3'],
			['http://blog.example.net/c', '3'],
		],
	);
	assert.equal(result.state.counters.skipped.noSite, 2);
	assert.deepEqual(result.state.sites.ignoredHosts, ['unknown.example']);
	const lookups = matomo.apiCalls.filter(call => call.method === 'SitesManager.getSitesIdFromSiteUrl');
	assert.equal(lookups.length, 2);
});

test('--dry-run sends nothing and counts what would be imported', async () => {
	matomo.reset();
	const result = await runImport(['--idsite=1', '--dry-run', writeLog([combinedLine({}), combinedLine({path: '/x.css'})])], {
		url: matomo.url,
	});
	assert.equal(matomo.bulkPosts, 0);
	assert.equal(result.state.counters.hitsRecorded, 1);
	assert.equal(result.state.counters.skipped.static, 1);
});

test('a missing file among several is reported, the others are imported, exit 1', async () => {
	matomo.reset();
	const log = writeLog([combinedLine({})]);
	const result = await runImport(['--idsite=1', log, '/nonexistent/access.log'], {url: matomo.url});
	assert.equal(result.exitCode, 1);
	assert.equal(received().length, 1);
	assert.ok(result.state.notices.some(notice => notice.includes('/nonexistent/access.log')));
});

test("by default (Matomo's bulk_requests_use_transaction = 1), a rolled-back partial failure is resent whole: nothing lost", async () => {
	for (const compat of [[], ['--resend-failed-batches-whole']]) {
		matomo.reset();
		// The answer says 4 tracked, but the batch was rolled back.
		matomo.setFaults([{kind: 'partial', tracked: 4, rollback: true, times: 1}]);
		const lines = Array.from({length: 10}, (_, i) => combinedLine({ip: '10.2.0.2', path: `/t/${i}`}));
		const result = await runImport(['--idsite=1', '--recorder-max-payload-size=10', '--retry-delay=0.01', ...compat, writeLog(lines)], {
			url: matomo.url,
		});
		assert.equal(result.exitCode, 0);
		assert.deepEqual(
			received().map(p => p.url.split('/t/')[1]),
			['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
			compat.join(' '),
		);
	}
});

test('--debug-request-limit stops each file at its N-th valid line (at most N-1 hits a file)', async () => {
	matomo.reset();
	const a = writeLog([combinedLine({path: '/a1'}), 'junk', combinedLine({path: '/a2'}), combinedLine({path: '/a3'})]);
	const b = writeLog([combinedLine({path: '/b1'}), combinedLine({path: '/b2'})]);
	await runImport(['--idsite=1', '--debug-request-limit=3', a, b], {url: matomo.url});
	assert.deepEqual(
		received().map(p => new URL(p.url).pathname),
		['/a1', '/a2', '/b1', '/b2'],
	);
});
