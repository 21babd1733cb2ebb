import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type {AddressInfo} from 'node:net';
import {describe, test} from 'node:test';
import {MatomoClient, MatomoError, type MatomoClientOptions} from '../source/record/matomo-client.js';
import {startMatomoDouble, type DoubleOptions, type MatomoDouble} from './matomo-double.js';

const TOKEN = 'secret-token-42';

const hit = (extra: Record<string, string> = {}) =>
	'?' + new URLSearchParams({idsite: '1', rec: '1', url: 'http://example.com/a', cip: '10.0.0.1', ...extra}).toString();

function clientFor(url: string, options: Partial<MatomoClientOptions> = {}): MatomoClient {
	return new MatomoClient({
		url,
		tokenAuth: TOKEN,
		trackerPath: '/matomo.php',
		requestTimeoutMs: 2000,
		retryMaxAttempts: 3,
		retryDelayMs: 5,
		...options,
	});
}

/** A double and a client pointed at it, both closed afterwards. */
async function withMatomo(
	doubleOptions: DoubleOptions,
	clientOptions: Partial<MatomoClientOptions>,
	fn: (double: MatomoDouble, client: MatomoClient) => Promise<void>,
): Promise<void> {
	const double = await startMatomoDouble({token: TOKEN, ...doubleOptions});
	const client = clientFor(double.url, clientOptions);
	try {
		await fn(double, client);
		// Whatever happened, the token never travelled in a URL.
		for (const entry of double.httpLog) assert.ok(!entry.url.includes(TOKEN), `token in URL ${entry.url}`);
		assert.deepEqual(double.violations, []);
	} finally {
		await client.close();
		await double.close();
	}
}

/** A plain HTTP(S) server that is not Matomo. */
async function plainServer(handler: http.RequestListener, tls?: {key: string; cert: string}): Promise<{url: string; close: () => Promise<void>}> {
	const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>(resolve => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

async function rejectsWith(promise: Promise<unknown>, check: (error: MatomoError) => void): Promise<MatomoError> {
	try {
		await promise;
	} catch (error) {
		assert.ok(error instanceof MatomoError, `expected a MatomoError, got ${String(error)}`);
		assert.ok(!error.message.includes(TOKEN), `token in message: ${error.message}`);
		assert.ok(!(error.body ?? '').includes(TOKEN), 'token in body');
		check(error);
		return error;
	}
	assert.fail('expected a rejection');
}

const readBody = (req: http.IncomingMessage) =>
	new Promise<string>(resolve => {
		let body = '';
		req.on('data', chunk => (body += chunk));
		req.on('end', () => resolve(body));
	});

describe('version check', () => {
	test('answers the version, with the token in the POST body only', () =>
		withMatomo({}, {}, async (double, client) => {
			assert.equal(await client.getVersion(), '5.2.0');
			assert.equal(double.apiCalls[0]?.tokenSource, 'body');
			assert.equal(double.httpLog[0]?.headers['user-agent'], 'Matomo/LogImport');
		}));

	test('a wrong token is an auth error that does not show the token', async () => {
		const double = await startMatomoDouble({token: 'the-real-one'});
		const client = clientFor(double.url);
		try {
			await rejectsWith(client.getVersion(), error => {
				assert.equal(error.kind, 'auth');
				assert.equal(error.retryable, false);
				assert.match(error.message, /Unable to authenticate/);
			});
			assert.equal(double.apiCalls.length, 1, 'not retried');
		} finally {
			await client.close();
			await double.close();
		}
	});

	test('an HTML site is not a Matomo', async () => {
		const site = await plainServer((_req, res) => {
			res.writeHead(200, {'content-type': 'text/html'});
			res.end('<html><body>Welcome to nginx!</body></html>');
		});
		const client = clientFor(site.url);
		try {
			await rejectsWith(client.getVersion(), error => {
				assert.equal(error.kind, 'not-matomo');
				assert.match(error.message, /does not answer like a Matomo/);
				assert.match(error.message, /Welcome to nginx/);
			});
		} finally {
			await client.close();
			await site.close();
		}
	});

	test('a 404 is not a Matomo either', async () => {
		const site = await plainServer((_req, res) => {
			res.writeHead(404, {'content-type': 'text/plain'});
			res.end('no such page');
		});
		const client = clientFor(site.url);
		try {
			await rejectsWith(client.getVersion(), error => assert.equal(error.kind, 'not-matomo'));
		} finally {
			await client.close();
			await site.close();
		}
	});

	test('a refused connection fails at once with a plain message', async () => {
		const site = await plainServer(() => {});
		await site.close(); // the port is now (almost certainly) closed
		const client = clientFor(site.url, {retryDelayMs: 5000});
		try {
			const started = Date.now();
			await rejectsWith(client.getVersion(), error => {
				assert.equal(error.kind, 'network');
				assert.equal(error.code, 'ECONNREFUSED');
				assert.match(error.message, /^cannot connect to Matomo at http:\/\/127\.0\.0\.1:\d+: connection refused/);
			});
			assert.ok(Date.now() - started < 2000, 'no retries for a refused connection');
		} finally {
			await client.close();
		}
	});

	test('a self-signed certificate is a TLS error with the hint, accepted on request', async () => {
		const site = await plainServer(
			(_req, res) => {
				res.writeHead(200, {'content-type': 'application/json'});
				res.end('{"value":"5.1.0"}');
			},
			{key: selfSigned.key, cert: selfSigned.cert},
		);
		const strict = clientFor(site.url);
		const lenient = clientFor(site.url, {acceptInvalidCertificate: true});
		try {
			await rejectsWith(strict.getVersion(), error => {
				assert.equal(error.kind, 'tls');
				assert.match(error.message, /--accept-invalid-ssl-certificate/);
			});
			assert.equal(await lenient.getVersion(), '5.1.0');
		} finally {
			await strict.close();
			await lenient.close();
			await site.close();
		}
	});
});

describe('API calls', () => {
	test("an error result is kind 'api' with Matomo's message, not retried", () =>
		withMatomo({}, {}, async (double, client) => {
			await rejectsWith(client.api('SitesManager.nope'), error => {
				assert.equal(error.kind, 'api');
				assert.equal(error.matomoMessage, "The method 'nope' does not exist or is not available in the module 'SitesManager'.");
				assert.equal(error.retryable, false);
			});
			assert.equal(double.apiCalls.length, 1);
		}));

	test('arrays as key[n], params in the body, and the answer parsed', () =>
		withMatomo({}, {}, async (double, client) => {
			const added = await client.api<{value: number}>('SitesManager.addSite', {siteName: 'b.example', urls: ['http://b.example']});
			assert.deepEqual(added, {value: 2});
			assert.equal(double.apiCalls[0]?.params['urls[0]'], 'http://b.example');
			assert.equal(double.apiCalls[0]?.params.filter_limit, '-1');
			const ids = await client.api('SitesManager.getSitesIdFromSiteUrl', {url: 'b.example'});
			assert.deepEqual(ids, [{idsite: 2}]);
		}));

	test('createAppSpecificTokenAuth without a token', () =>
		withMatomo({users: [{login: 'admin', password: 'pw'}]}, {}, async (double, client) => {
			const token = await client.api<{value: string}>(
				'UsersManager.createAppSpecificTokenAuth',
				{userLogin: 'admin', passwordConfirmation: 'pw', description: 'Log importer', expireHours: 48},
				{withToken: false},
			);
			assert.match(token.value, /^app-token-/);
			assert.equal(double.apiCalls[0]?.tokenSource, 'none');
		}));

	test('500s are retried with backoff, then the call succeeds', () => {
		const retries: Array<{attempt: number; delayMs: number; kind: string}> = [];
		return withMatomo(
			{faults: [{kind: '500', scope: 'api', times: 2}]},
			{
				retryMaxAttempts: 3,
				retryDelayMs: 20,
				onRetry: info => retries.push({attempt: info.attempt, delayMs: info.delayMs, kind: info.error.kind}),
			},
			async (_double, client) => {
				assert.equal(await client.getVersion(), '5.2.0');
				assert.deepEqual(
					retries.map(r => [r.attempt, r.kind]),
					[
						[1, 'http'],
						[2, 'http'],
					],
				);
				assert.ok(retries[0]!.delayMs <= 20 && retries[1]!.delayMs <= 40, JSON.stringify(retries));
			},
		);
	});

	test('gives up after the configured attempts', () =>
		withMatomo({faults: [{kind: '500', scope: 'api'}]}, {retryMaxAttempts: 2}, async (double, client) => {
			await rejectsWith(client.api('API.getMatomoVersion'), error => {
				assert.equal(error.kind, 'http');
				assert.equal(error.status, 500);
				assert.equal(error.attempts, 2);
				assert.match(error.message, /gave up after 2 attempts/);
			});
			assert.equal(double.stats().faults, 2);
		}));

	test('a non-JSON answer is invalid-json, with a clear message', () =>
		withMatomo({faults: [{kind: 'invalid-json', scope: 'api'}]}, {}, async (_double, client) => {
			await rejectsWith(client.api('SitesManager.getSitesWithAtLeastViewAccess'), error => {
				assert.equal(error.kind, 'invalid-json');
				assert.match(error.message, /not JSON/);
			});
		}));

	test('request suffix on API and tracker URLs, debug=1 on the tracker only', () =>
		withMatomo({}, {requestSuffix: 'XDEBUG=1', debugTracker: true}, async (double, client) => {
			await client.getVersion();
			await client.sendBulk([hit()]);
			assert.deepEqual(
				double.httpLog.map(entry => entry.url),
				['/index.php?XDEBUG=1', '/matomo.php?queuedtracking=0&debug=1&XDEBUG=1'],
			);
		}));

	test('HTTP Basic credentials', async () => {
		const double = await startMatomoDouble({token: TOKEN, basicAuth: {user: 'u', password: 'p'}});
		const good = clientFor(double.url, {authUser: 'u', authPassword: 'p'});
		const bad = clientFor(double.url);
		try {
			assert.equal(await good.getVersion(), '5.2.0');
			await rejectsWith(bad.getVersion(), error => {
				assert.equal(error.kind, 'auth');
				assert.match(error.message, /--auth-user/);
			});
		} finally {
			await good.close();
			await bad.close();
			await double.close();
		}
	});

	test('a refused tracking request blames the token when Matomo refused it, HTTP credentials when a server in front did', async () => {
		const matomoRefuses = await plainServer((req, res) => {
			req.resume();
			res.writeHead(403, {'content-type': 'application/json'});
			res.end(JSON.stringify({status: 'error', tracked: 0, message: 'token_auth is not valid for site 1'}));
		});
		const proxyAsks = await plainServer((req, res) => {
			req.resume();
			res.writeHead(401, {'www-authenticate': 'Basic realm="x"', 'content-type': 'text/html'});
			res.end('<h1>401</h1>');
		});
		const first = clientFor(matomoRefuses.url);
		const second = clientFor(proxyAsks.url);
		try {
			await rejectsWith(first.sendBulk([hit()]), error => {
				assert.equal(error.kind, 'auth');
				assert.match(error.message, /Matomo refused the tracking request with HTTP 403: token_auth is not valid/);
				assert.match(error.message, /Check the token/);
				assert.doesNotMatch(error.message, /--auth-user/);
			});
			await rejectsWith(second.sendBulk([hit()]), error => {
				assert.equal(error.kind, 'auth');
				assert.match(error.message, /asks for HTTP authentication/);
				assert.match(error.message, /--auth-user and --auth-password/);
			});
		} finally {
			await first.close();
			await second.close();
			await matomoRefuses.close();
			await proxyAsks.close();
		}
	});

	test('a bad token on the API: Matomo 5 answers 401 with its HTML error page, and the message says what Matomo said', async () => {
		const matomo5 = await plainServer((req, res) => {
			req.resume();
			res.writeHead(401, {'content-type': 'text/html; charset=utf-8', 'x-matomo-request-id': 'eaf25'});
			res.end(
				'<!DOCTYPE html><html><head><title>Matomo &rsaquo; Error</title></head><body id="simple"><div><h2>An error occurred</h2>\n<p>Unable to authenticate with the provided token. It is either invalid or expired.</p><a href="javascript:window.history.back();">Go Back</a></div></body></html>',
			);
		});
		const client = clientFor(matomo5.url);
		try {
			await rejectsWith(client.getVersion(), error => {
				assert.equal(error.kind, 'auth');
				assert.match(error.message, /Matomo refused the API call API.getMatomoVersion with HTTP 401: Unable to authenticate with the provided token/);
				assert.match(error.message, /Check the token/);
				assert.doesNotMatch(error.message, /--auth-user/);
			});
		} finally {
			await client.close();
			await matomo5.close();
		}
	});

	test('API redirects are followed on the same host only, re-posting the body', async () => {
		let finalBody = '';
		const site = await plainServer(async (req, res) => {
			const body = await readBody(req);
			if (req.url === '/index.php') {
				res.writeHead(308, {location: '/matomo/index.php'});
				return res.end();
			}
			if (req.url === '/away/index.php') {
				res.writeHead(302, {location: `http://localhost:${(req.socket.address() as AddressInfo).port}/index.php`});
				return res.end();
			}
			finalBody = body;
			res.writeHead(200, {'content-type': 'application/json'});
			res.end('{"value":"4.16.0"}');
		});
		const client = clientFor(site.url);
		const away = clientFor(`${site.url}/away/`);
		try {
			assert.equal(await client.getVersion(), '4.16.0');
			assert.match(finalBody, /method=API.getMatomoVersion/);
			assert.match(finalBody, /token_auth=secret-token-42/);
			await rejectsWith(away.api('API.getMatomoVersion'), error => {
				assert.equal(error.kind, 'http');
				assert.match(error.message, /redirects to another host/);
			});
		} finally {
			await client.close();
			await away.close();
			await site.close();
		}
	});
});

describe('bulk tracking', () => {
	test('one post, the counts of the answer', () =>
		withMatomo({}, {}, async (double, client) => {
			const result = await client.sendBulk([hit(), hit({idsite: '9'}), hit({url: 'http://example.com/c'})]);
			assert.equal(result.httpStatus, 200);
			assert.equal(result.status, 'success');
			assert.equal(result.tracked, 2);
			assert.equal(result.invalid, 1);
			assert.deepEqual(result.invalidIndices, [1]);
			assert.equal(double.bulkPosts, 1);
			assert.equal(double.received[0]?.params.cip, '10.0.0.1');
			assert.match(String(double.httpLog[0]?.headers['content-type']), /application\/json/);
		}));

	test('a 500 is retryable and is not retried by sendBulk', () =>
		withMatomo({faults: [{kind: '500'}]}, {}, async (double, client) => {
			await rejectsWith(client.sendBulk([hit()]), error => {
				assert.equal(error.kind, 'http');
				assert.equal(error.status, 500);
				assert.equal(error.retryable, true);
				assert.equal(error.tracked, undefined);
			});
			assert.equal(double.bulkPosts, 1);
		}));

	test('partial: the tracked count of the JSON error is exposed', () =>
		withMatomo({faults: [{kind: 'partial'}]}, {}, async (_double, client) => {
			await rejectsWith(client.sendBulk([hit(), hit(), hit(), hit()]), error => {
				assert.equal(error.kind, 'http');
				assert.equal(error.tracked, 2);
				assert.equal(error.retryable, true);
				assert.match(error.message, /tracked 2 before failing/);
			});
		}));

	test('a timeout fault times out within the configured time', () =>
		withMatomo({faults: [{kind: 'timeout'}]}, {requestTimeoutMs: 300}, async (_double, client) => {
			const started = Date.now();
			await rejectsWith(client.sendBulk([hit()]), error => {
				assert.equal(error.kind, 'timeout');
				assert.equal(error.retryable, true);
				assert.match(error.message, /did not answer within 300 ms/);
			});
			const elapsed = Date.now() - started;
			assert.ok(elapsed >= 280 && elapsed < 1500, `took ${elapsed} ms`);
		}));

	test('a reset is a retryable network error', () =>
		withMatomo({faults: [{kind: 'reset'}]}, {}, async (_double, client) => {
			await rejectsWith(client.sendBulk([hit()]), error => {
				assert.equal(error.kind, 'network');
				assert.equal(error.retryable, true);
			});
		}));

	test('200 with a broken body: invalid-json, retryable, the caller decides', () =>
		withMatomo({faults: [{kind: 'invalid-json'}]}, {}, async (double, client) => {
			await rejectsWith(client.sendBulk([hit()]), error => {
				assert.equal(error.kind, 'invalid-json');
				assert.equal(error.retryable, true);
				assert.match(error.message, /unknown/);
			});
			assert.equal(double.hitCount(), 1);
		}));

	test('400: the BulkTracking plugin hint', () =>
		withMatomo({bulkTrackingDisabled: true}, {}, async (_double, client) => {
			await rejectsWith(client.sendBulk([hit()]), error => {
				assert.equal(error.kind, 'bulk-disabled');
				assert.equal(error.retryable, false);
				assert.match(error.message, /Is the BulkTracking plugin disabled\?/);
			});
		}));

	test('a redirected tracking post fails loudly instead of losing the hits', async () => {
		const site = await plainServer(async (req, res) => {
			await readBody(req);
			res.writeHead(301, {location: 'https://matomo.example.com/matomo.php?queuedtracking=0'});
			res.end();
		});
		const client = clientFor(site.url);
		try {
			await rejectsWith(client.sendBulk([hit()]), error => {
				assert.equal(error.kind, 'http');
				assert.equal(error.retryable, false);
				assert.match(error.message, /redirected the tracking request \(HTTP 301\)/);
				assert.match(error.message, /--url https:\/\/matomo\.example\.com\//);
			});
		} finally {
			await client.close();
			await site.close();
		}
	});

	test('a server echoing the token in an error never gets it into the error', async () => {
		const site = await plainServer(async (req, res) => {
			const body = await readBody(req);
			res.writeHead(502, {'content-type': 'text/plain'});
			res.end(`bad gateway for ${body}`);
		});
		const client = clientFor(site.url);
		try {
			const error = await rejectsWith(client.sendBulk([hit()]), e => assert.equal(e.kind, 'http'));
			assert.match(error.message, /\*\*\*/);
		} finally {
			await client.close();
			await site.close();
		}
	});

	test('an aborted signal rejects with its reason', () =>
		withMatomo({faults: [{kind: 'timeout'}]}, {}, async (_double, client) => {
			const controller = new AbortController();
			setTimeout(() => controller.abort(new Error('stopping')), 50);
			await assert.rejects(client.sendBulk([hit()], controller.signal), /stopping/);
		}));
});

// A self-signed certificate for 127.0.0.1 (EC P-256, valid until 2126), for the TLS test only.
const selfSigned = {
	key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3zerHB7+6rL22PCx
AVEZFubW2SF+YcTvfXo9FN+gcAKhRANCAATpEAFuPv3tmn5o3Mx27QYh2/Flv1/N
kXhGYDfGZrPKFjP8SZaTOrIAsxgUptSC89/AmvOZe0Aj+jInqclwa2RK
-----END PRIVATE KEY-----
`,
	cert: `-----BEGIN CERTIFICATE-----
MIIBjzCCATagAwIBAgIUFKYg3uWhQfxPutBEd1IQ3VA99DEwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMTIwNTMwN1oYDzIxMjYxMDI4
MjA1MzA3WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATpEAFuPv3tmn5o3Mx27QYh2/Flv1/NkXhGYDfGZrPKFjP8SZaTOrIA
sxgUptSC89/AmvOZe0Aj+jInqclwa2RKo2QwYjAdBgNVHQ4EFgQUsZE0pVS/e9th
mGmLYIv1rxjRXOUwHwYDVR0jBBgwFoAUsZE0pVS/e9thmGmLYIv1rxjRXOUwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0cAMEQC
IBOySbmkqXXQ0q0/yUhbeDNYEsDCk96qSb8+3wAXok43AiBt9m99DtrhCwou4tCf
DOR8L5ArR1F+zgBvMbJA9Dr1sQ==
-----END CERTIFICATE-----
`,
};
