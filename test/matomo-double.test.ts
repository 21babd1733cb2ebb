import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {after, before, describe, test} from 'node:test';
import {parseFaultSpec, startMatomoDouble, type DoubleOptions, type MatomoDouble} from './matomo-double.js';

const TOKEN = 'test-token';
const NOW = Date.UTC(2024, 5, 15, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

async function api(double: MatomoDouble, params: Record<string, string>, query = '') {
	const res = await fetch(`${double.url}/index.php${query}`, {
		method: 'POST',
		headers: {'content-type': 'application/x-www-form-urlencoded'},
		body: new URLSearchParams({module: 'API', format: 'json', ...params}).toString(),
	});
	return {status: res.status, json: (await res.json()) as any};
}

async function bulk(double: MatomoDouble, body: unknown, query = '?queuedtracking=0', signal?: AbortSignal) {
	const res = await fetch(`${double.url}/matomo.php${query}`, {
		method: 'POST',
		headers: {'content-type': 'application/json'},
		body: JSON.stringify(body),
		signal,
	});
	const text = await res.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return {status: res.status, text, json};
}

const hit = (extra: Record<string, string> = {}) => '?' + new URLSearchParams({idsite: '1', rec: '1', url: 'http://example.com/a', ...extra}).toString();

async function withDouble(options: DoubleOptions, fn: (double: MatomoDouble) => Promise<void>) {
	const double = await startMatomoDouble({now: () => NOW, ...options});
	try {
		await fn(double);
	} finally {
		await double.close();
	}
}

describe('API', () => {
	let double: MatomoDouble;
	before(async () => {
		double = await startMatomoDouble({
			viewOnlyTokens: ['view-token'],
			writeTokens: [TOKEN, 'write-token'],
			users: [{login: 'admin', password: 'secret'}],
			sites: [
				{idsite: 1, name: 'One', main_url: 'http://example.com'},
				{idsite: 3, name: 'Three', main_url: 'https://Shop.Example.org', urls: ['http://alias.example.net/']},
			],
		});
	});
	after(() => double.close());

	test('version needs a valid token, sent in the body', async () => {
		assert.deepEqual((await api(double, {method: 'API.getMatomoVersion', token_auth: TOKEN})).json, {value: '5.2.0'});
		assert.deepEqual((await api(double, {method: 'API.getPiwikVersion', token_auth: 'view-token'})).json, {value: '5.2.0'});
		const anonymous = await api(double, {method: 'API.getMatomoVersion'});
		assert.equal(anonymous.status, 401);
		assert.equal(anonymous.json.result, 'error');
		assert.match(anonymous.json.message, /requires 'view' access/);
		const wrong = await api(double, {method: 'API.getMatomoVersion', token_auth: 'nope'});
		assert.equal(wrong.status, 401);
		assert.match(wrong.json.message, /Unable to authenticate with the provided token/);
		assert.deepEqual(double.violations, []);
		const inUrl = await api(double, {method: 'API.getMatomoVersion'}, `?token_auth=${TOKEN}`);
		assert.equal(inUrl.status, 401);
		assert.match(inUrl.json.message, /sent as a POST parameter/);
		assert.equal(double.apiCalls.at(-1)?.tokenSource, 'query');
		assert.equal(double.violations.length, 1);
		assert.ok(!JSON.stringify(double.apiCalls).includes(TOKEN), 'recorded params never hold the token');
	});

	test('site lookups', async () => {
		const byId = await api(double, {method: 'SitesManager.getSiteFromId', idSite: '3', token_auth: TOKEN});
		assert.equal(byId.json.idsite, 3);
		assert.equal(byId.json.main_url, 'https://Shop.Example.org');
		const missing = await api(double, {method: 'SitesManager.getSiteFromId', idSite: '9', token_auth: TOKEN});
		assert.match(missing.json.message, /website id was set to '9'/);
		const lookup = async (url: string) => (await api(double, {method: 'SitesManager.getSitesIdFromSiteUrl', url, token_auth: TOKEN})).json;
		assert.deepEqual(await lookup('example.com'), [{idsite: 1}]);
		assert.deepEqual(await lookup('https://EXAMPLE.com/'), [{idsite: 1}]);
		assert.deepEqual(await lookup('www.example.com'), [{idsite: 1}]);
		assert.deepEqual(await lookup('shop.example.org'), [{idsite: 3}]);
		assert.deepEqual(await lookup('alias.example.net'), [{idsite: 3}]);
		assert.deepEqual(await lookup('unknown.example'), []);
	});

	test('addSite needs Super User, ids continue after the highest', async () => {
		const refused = await api(double, {
			method: 'SitesManager.addSite',
			siteName: 'new.example',
			'urls[0]': 'http://new.example',
			token_auth: 'view-token',
		});
		assert.equal(refused.json.result, 'error');
		const added = await api(double, {
			method: 'SitesManager.addSite',
			siteName: 'new.example',
			'urls[0]': 'http://new.example',
			token_auth: TOKEN,
		});
		assert.deepEqual(added.json, {value: 4});
		const found = await api(double, {method: 'SitesManager.getSitesIdFromSiteUrl', url: 'new.example', token_auth: TOKEN});
		assert.deepEqual(found.json, [{idsite: 4}]);
		const bad = await api(double, {method: 'SitesManager.addSite', siteName: 'x', 'urls[0]': 'not a url', token_auth: TOKEN});
		assert.match(bad.json.message, /not a valid URL/);
		const all = await api(double, {method: 'SitesManager.getAllSites', token_auth: TOKEN});
		assert.deepEqual(Object.keys(all.json), ['1', '3', '4']);
		assert.equal(all.json['4'].name, 'new.example');
		double.reset();
		assert.deepEqual(
			double.sites.map(site => site.idsite),
			[1, 3],
		);
	});

	test('site lists by access, tokens by password, unknown methods', async () => {
		const admin = await api(double, {method: 'SitesManager.getSitesWithAdminAccess', token_auth: TOKEN});
		assert.equal(admin.json.length, 2);
		const viewAdmin = await api(double, {method: 'SitesManager.getSitesWithAdminAccess', token_auth: 'view-token'});
		assert.deepEqual(viewAdmin.json, []);
		const view = await api(double, {method: 'SitesManager.getSitesWithAtLeastViewAccess', token_auth: 'view-token'});
		assert.deepEqual(
			view.json.map((site: any) => site.idsite),
			[1, 3],
		);

		const wrong = await api(double, {
			method: 'UsersManager.createAppSpecificTokenAuth',
			userLogin: 'admin',
			passwordConfirmation: 'bad',
			description: 'Log importer',
		});
		assert.match(wrong.json.message, /password you entered is not correct/);
		const created = await api(double, {
			method: 'UsersManager.createAppSpecificTokenAuth',
			userLogin: 'admin',
			passwordConfirmation: 'secret',
			description: 'Log importer',
			expireHours: '48',
		});
		assert.equal(typeof created.json.value, 'string');
		const version = await api(double, {method: 'API.getMatomoVersion', token_auth: created.json.value});
		assert.deepEqual(version.json, {value: '5.2.0'});

		const unknown = await api(double, {method: 'SitesManager.nope', token_auth: TOKEN});
		assert.equal(unknown.status, 200);
		assert.deepEqual(unknown.json, {
			result: 'error',
			message: "The method 'nope' does not exist or is not available in the module 'SitesManager'.",
		});
	});

	test('non-API paths look like Matomo, others are 404', async () => {
		const home = await fetch(`${double.url}/`);
		assert.equal(home.status, 200);
		assert.match(home.headers.get('content-type') ?? '', /text\/html/);
		assert.match(await home.text(), /Matomo/);
		const missing = await fetch(`${double.url}/nothing/here`);
		assert.equal(missing.status, 404);
		await missing.text();
		const tracker = await fetch(`${double.url}/piwik.php`);
		assert.equal(tracker.status, 200);
		assert.match(await tracker.text(), /endpoint for the Matomo tracking API/);
	});
});

describe('tracking', () => {
	test('accepted requests are recorded with the URL params merged in, never the token', () =>
		withDouble({}, async double => {
			const answer = await bulk(double, {
				requests: [hit({cip: '1.2.3.4', cdt: iso(NOW - 3 * 86400_000)}), {idsite: 1, rec: 1, url: 'http://example.com/b', cvar: {1: ['a', 'b']}}],
				token_auth: TOKEN,
			});
			assert.equal(answer.status, 200);
			assert.deepEqual(answer.json, {status: 'success', tracked: 2, invalid: 0, invalid_indices: []});
			assert.equal(double.hitCount(), 2);
			assert.equal(double.bulkPosts, 1);
			const [first, second] = double.received;
			assert.equal(first?.params.queuedtracking, '0');
			assert.equal(first?.params.cip, '1.2.3.4');
			assert.equal(first?.path, '/matomo.php');
			assert.equal(first?.at, NOW);
			assert.equal(second?.params['cvar[1][0]'], 'a');
			assert.ok(!JSON.stringify(double.received).includes(TOKEN));
			assert.deepEqual(double.violations, []);
		}));

	test('without a token: cip and an old cdt are invalid, and the indices are not shown', () =>
		withDouble({}, async double => {
			const answer = await bulk(double, {
				requests: [hit(), hit({cip: '1.2.3.4'}), hit({cdt: iso(NOW - 25 * 3600_000)}), hit({cdt: iso(NOW - 3600_000)})],
			});
			assert.equal(answer.status, 200);
			assert.deepEqual(answer.json, {status: 'success', tracked: 2, invalid: 2});
			assert.equal(double.received.length, 2);
		}));

	test('a view-only token is not enough, a write token is; only a Super User sees invalid_indices', () =>
		withDouble({viewOnlyTokens: ['view'], writeTokens: [TOKEN, 'write']}, async double => {
			const old = hit({cdt: iso(NOW - 2 * 86400_000)});
			assert.deepEqual((await bulk(double, {requests: [old, hit({cip: '1.1.1.1'})], token_auth: 'view'})).json, {
				status: 'success',
				tracked: 0,
				invalid: 2,
			});
			assert.deepEqual((await bulk(double, {requests: [old, hit({idsite: '7'})], token_auth: 'write'})).json, {
				status: 'success',
				tracked: 1,
				invalid: 1,
			});
			assert.deepEqual((await bulk(double, {requests: [hit({idsite: '7'}), old, hit({rec: '0'})], token_auth: TOKEN})).json, {
				status: 'success',
				tracked: 1,
				invalid: 2,
				invalid_indices: [0, 2],
			});
		}));

	test('a string without "?" is dropped before indexing, as Matomo does, and reported', () =>
		withDouble({}, async double => {
			const answer = await bulk(double, {requests: ['idsite=1&rec=1', hit({idsite: '5'})], token_auth: TOKEN});
			assert.deepEqual(answer.json, {status: 'success', tracked: 0, invalid: 1, invalid_indices: [0]});
			assert.equal(double.violations.length, 1);
		}));

	test('bulk tracking disabled answers 400', () =>
		withDouble({bulkTrackingDisabled: true}, async double => {
			const answer = await bulk(double, {requests: [hit()], token_auth: TOKEN});
			assert.equal(answer.status, 400);
			assert.equal(double.hitCount(), 0);
		}));

	test('bulk_requests_require_authentication: one unauthenticated request fails the post with 500', () =>
		withDouble({requireBulkAuthentication: true}, async double => {
			const answer = await bulk(double, {requests: [hit()]});
			assert.equal(answer.status, 500);
			assert.deepEqual(answer.json, {status: 'error', tracked: 0, invalid: 0});
			assert.equal((await bulk(double, {requests: [hit()], token_auth: TOKEN})).status, 200);
		}));

	test('single GET hits', () =>
		withDouble({}, async double => {
			const ok = await fetch(`${double.url}/piwik.php${hit()}`);
			assert.equal(ok.status, 200);
			assert.equal(ok.headers.get('content-type'), 'image/gif');
			await ok.arrayBuffer();
			const bad = await fetch(`${double.url}/matomo.php${hit({idsite: '99'})}`);
			assert.equal(bad.status, 400);
			await bad.arrayBuffer();
			assert.equal(double.received.length, 1);
			assert.equal(double.received[0]?.bulk, false);
			assert.equal(double.received[0]?.path, '/piwik.php');
		}));

	test('count mode only counts', () =>
		withDouble({mode: 'count'}, async double => {
			await bulk(double, {requests: [hit(), hit(), hit({idsite: '99'})]});
			assert.equal(double.hitCount(), 3);
			assert.equal(double.received.length, 0);
			assert.equal(double.httpLog.length, 0);
		}));
});

describe('faults', () => {
	test('500, then back to normal after `times`', () =>
		withDouble({}, async double => {
			double.setFaults([{kind: '500', times: 1}]);
			const failed = await bulk(double, {requests: [hit()], token_auth: TOKEN});
			assert.equal(failed.status, 500);
			assert.equal(double.hitCount(), 0);
			assert.equal((await bulk(double, {requests: [hit()], token_auth: TOKEN})).status, 200);
			assert.equal(double.hitCount(), 1);
			assert.equal(double.stats().faults, 1);
		}));

	test('reset drops the connection without tracking', () =>
		withDouble({faults: [{kind: 'reset'}]}, async double => {
			await assert.rejects(bulk(double, {requests: [hit()], token_auth: TOKEN}));
			assert.equal(double.hitCount(), 0);
			assert.equal(double.bulkPosts, 1);
		}));

	test('timeout never answers; close() still ends promptly', async () => {
		const double = await startMatomoDouble({faults: [{kind: 'timeout'}]});
		const started = Date.now();
		await assert.rejects(bulk(double, {requests: [hit()], token_auth: TOKEN}, undefined, AbortSignal.timeout(150)));
		assert.ok(Date.now() - started < 1500);
		assert.equal(double.hitCount(), 0);
		const pending = bulk(double, {requests: [hit()], token_auth: TOKEN}).catch(error => error);
		await new Promise(resolve => setTimeout(resolve, 50));
		await double.close();
		assert.ok((await pending) instanceof Error);
	});

	test('slow answers after ms, and has tracked already', () =>
		withDouble({faults: [{kind: 'slow', ms: 200}]}, async double => {
			const started = Date.now();
			const answer = bulk(double, {requests: [hit()], token_auth: TOKEN});
			await new Promise(resolve => setTimeout(resolve, 50));
			assert.equal(double.hitCount(), 1, 'tracked before answering');
			assert.equal((await answer).status, 200);
			assert.ok(Date.now() - started >= 190);
		}));

	test('partial tracks the first part and answers 500 with tracked; rollback keeps nothing', () =>
		withDouble({}, async double => {
			double.setFaults([{kind: 'partial', times: 1}]);
			const requests = [1, 2, 3, 4, 5].map(n => hit({url: `http://example.com/${n}`}));
			const half = await bulk(double, {requests, token_auth: TOKEN});
			assert.equal(half.status, 500);
			assert.deepEqual(half.json, {status: 'error', tracked: 2, invalid: 0, message: 'injected partial failure'});
			assert.deepEqual(
				double.received.map(r => r.params.url),
				['http://example.com/1', 'http://example.com/2'],
			);

			double.setFaults([{kind: 'partial', tracked: 4, rollback: true}]);
			const rolledBack = await bulk(double, {requests, token_auth: TOKEN});
			assert.equal(rolledBack.json.tracked, 4);
			assert.equal(double.received.length, 2);
			assert.equal(double.hitCount(), 2);
		}));

	test('invalid-json answers 200 with a broken body after tracking; bulk-disabled answers 400', () =>
		withDouble({}, async double => {
			double.setFaults([
				{kind: 'invalid-json', times: 1},
				{kind: 'bulk-disabled', times: 1},
			]);
			const broken = await bulk(double, {requests: [hit()], token_auth: TOKEN});
			assert.equal(broken.status, 200);
			assert.equal(broken.json, undefined);
			assert.equal(double.hitCount(), 1);
			// The first fault is spent, so the second applies now.
			const disabled = await bulk(double, {requests: [hit()], token_auth: TOKEN});
			assert.equal(disabled.status, 400);
			assert.equal(double.hitCount(), 1);
		}));

	test('probabilities follow the seed', async () => {
		const run = async () => {
			const statuses: number[] = [];
			await withDouble({seed: 7, faults: [{kind: '500', probability: 0.5}]}, async double => {
				for (let i = 0; i < 12; i++) statuses.push((await bulk(double, {requests: [hit()], token_auth: TOKEN})).status);
			});
			return statuses;
		};
		const first = await run();
		assert.deepEqual(await run(), first);
		assert.ok(first.includes(500) && first.includes(200), `both outcomes in ${first.join(',')}`);
	});

	test("scope 'api' hits API calls only", () =>
		withDouble({faults: [{kind: '500', scope: 'api'}]}, async double => {
			const res = await fetch(`${double.url}/index.php`, {
				method: 'POST',
				headers: {'content-type': 'application/x-www-form-urlencoded'},
				body: `module=API&format=json&method=API.getMatomoVersion&token_auth=${TOKEN}`,
			});
			assert.equal(res.status, 500);
			await res.text();
			assert.equal((await bulk(double, {requests: [hit()], token_auth: TOKEN})).status, 200);
			double.clearFaults();
			assert.equal((await api(double, {method: 'API.getMatomoVersion', token_auth: TOKEN})).status, 200);
		}));

	test('fault specs from the command line', () => {
		assert.deepEqual(parseFaultSpec('500:0.2,slow:0.1:3000,timeout:1@api,partial:1x3'), [
			{kind: '500', probability: 0.2, scope: 'bulk'},
			{kind: 'slow', probability: 0.1, ms: 3000, scope: 'bulk'},
			{kind: 'timeout', probability: 1, scope: 'api'},
			{kind: 'partial', probability: 1, times: 3, scope: 'bulk'},
		]);
		assert.throws(() => parseFaultSpec('explode:1'), /unknown fault kind/);
		assert.throws(() => parseFaultSpec('partial:1@api'), /only applies to bulk/);
	});
});

test('the CLI prints its port and its counts', async () => {
	const child = spawn(process.execPath, ['--import', 'tsx', 'test/matomo-double-cli.ts', '--mode', 'count'], {
		cwd: new URL('..', import.meta.url),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stderr.on('data', chunk => (stderr += chunk));
	const port = await new Promise<number>((resolve, reject) => {
		child.stdout.on('data', chunk => {
			stdout += chunk;
			const match = /PORT (\d+)/.exec(stdout);
			if (match) resolve(Number(match[1]));
		});
		child.once('exit', code => reject(new Error(`exited ${code}: ${stderr}`)));
	});
	const res = await fetch(`http://127.0.0.1:${port}/matomo.php?queuedtracking=0`, {
		method: 'POST',
		body: JSON.stringify({requests: [hit(), hit()]}),
	});
	assert.equal(res.status, 200);
	await res.text();
	child.kill('SIGTERM');
	const [code] = await once(child, 'exit');
	assert.equal(code, 0);
	const counts = JSON.parse(stderr.trim().split('\n').at(-1) ?? '{}');
	assert.equal(counts.hits, 2);
	assert.equal(counts.bulkPosts, 1);
});
