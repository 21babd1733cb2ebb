/** The run's lifecycle as the headless program lives it: signals and failures before the run starts. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, test} from 'node:test';
import {combinedLine, runCli, writeLog, startHangingServer, type HangingServer} from './helpers.js';

let hanging: HangingServer;
before(async () => {
	hanging = await startHangingServer();
});
after(() => hanging.close());

async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await new Promise(resolve => setImmediate(resolve));
}

for (const [signal, code] of [
	['SIGTERM', 143],
	['SIGINT', 130],
] as const) {
	test(`${signal} while Matomo is being checked: a clean exit ${code} with a message, and --json still printed`, async () => {
		const file = writeLog([combinedLine({})]);
		const seen = hanging.received();
		const result = await runCli([`--url=${hanging.url}`, '--token-auth=t', '--idsite=1', '--json', file], {
			onStarted: child => {
				void until(() => hanging.received() > seen || child.exitCode !== null).then(() => child.kill(signal));
			},
		});
		assert.equal(result.signal, null, 'ended by its own exit, not killed by the signal');
		assert.equal(result.code, code, result.stderr);
		assert.match(result.stderr, /Stopped/);
		const json = JSON.parse(result.stdout) as {status: string; exitCode: number; imported: number};
		assert.equal(json.status, 'stopped');
		assert.equal(json.exitCode, code);
		assert.equal(json.imported, 0);
	});
}

test('--json prints the summary object when Matomo cannot be reached', async () => {
	const file = writeLog([combinedLine({})]);
	// A port nothing listens on: connection refused.
	const closed = http.createServer();
	await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
	const port = (closed.address() as AddressInfo).port;
	await new Promise(resolve => closed.close(resolve));
	const result = await runCli([`--url=http://127.0.0.1:${port}`, '--token-auth=t', '--idsite=1', '--json', '--retry-max-attempts=1', file]);
	assert.equal(result.code, 1, result.stderr);
	const json = JSON.parse(result.stdout) as {status: string; failure: string};
	assert.equal(json.status, 'failed');
	assert.match(json.failure, /connect/);
	assert.match(result.stderr, /Fatal error/);
});

test('--json prints the summary object when the file is missing', async () => {
	const result = await runCli(['--dry-run', '--idsite=1', '--json', '/nonexistent/access.log']);
	assert.equal(result.code, 1, result.stderr);
	const json = JSON.parse(result.stdout) as {status: string};
	assert.equal(json.status, 'failed');
});
