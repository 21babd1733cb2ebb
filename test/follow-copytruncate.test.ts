/** --follow with logrotate's copytruncate while behind (issue 12): the lines not imported yet are read from the copy. */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runCli, tempDir} from './helpers.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({token: 'test-token', now: () => Date.UTC(2024, 1, 11)});
});

after(async () => {
	await matomo.close();
});

const line = (tag: string, i: number) => combinedLine({ip: `10.4.0.${i % 200}`, path: `/${tag}/${i}`});
const block = (tag: string, from: number, to: number) => Array.from({length: to - from}, (_, k) => line(tag, from + k)).join('\n') + '\n';

/** Polls a condition; gives up after a long while (then the assertions say what is missing). */
async function until(condition: () => boolean, giveUpMs = 20_000): Promise<void> {
	const started = Date.now();
	while (!condition() && Date.now() - started < giveUpMs) await new Promise(resolve => setTimeout(resolve, 20));
}

/**
 * Follow `access.log` (20 lines of `old` already there), then while Matomo is down append 40 more, rotate it by
 * copytruncate into `copyName`, write 10 lines of `next`, bring Matomo back, and stop once `ready` holds.
 */
async function copytruncateWhileBehind(old: string, next: string, copyName: string, ready: () => boolean, compress = false) {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	const state = path.join(dir, 'state.json');
	fs.writeFileSync(log, block(old, 0, 20));
	let scenario: Promise<void> = Promise.resolve();
	const done = runCli(
		[`--url=${matomo.url}`, '--token-auth=test-token', '--idsite=1', '--follow', '--follow-interval=0.05', '--retry-delay=0.02', `--state-file=${state}`, log],
		{
			timeoutMs: 60_000,
			onStarted(child) {
				scenario = (async () => {
					try {
						await until(() => matomo.hitCount() >= 20);
						// Matomo down: the importer falls behind while lines keep coming.
						matomo.setFaults([{kind: '500'}]);
						fs.appendFileSync(log, block(old, 20, 40));
						await until(() => matomo.stats().faults > 0);
						// Written while the importer waits for Matomo: not read yet.
						fs.appendFileSync(log, block(old, 40, 60));
						// copytruncate: copy, then truncate in place (same inode), then new lines.
						fs.mkdirSync(path.dirname(path.join(dir, copyName)), {recursive: true});
						if (compress) fs.writeFileSync(path.join(dir, copyName), zlib.gzipSync(fs.readFileSync(log)));
						else fs.copyFileSync(log, path.join(dir, copyName));
						fs.truncateSync(log, 0);
						fs.appendFileSync(log, block(next, 0, 10));
						matomo.clearFaults();
						await until(ready);
					} finally {
						child.kill('SIGTERM');
					}
				})();
			},
		},
	);
	const result = await done;
	await scenario;
	return {result, dir, log, state};
}

const receivedPaths = () => matomo.received.map(hit => new URL(hit.params.url!).pathname);
const expectedPaths = (old: string, next: string) => [
	...Array.from({length: 60}, (_, i) => `/${old}/${i}`),
	...Array.from({length: 10}, (_, i) => `/${next}/${i}`),
];

test('follow: copytruncate while Matomo is down; the lines left behind are read from access.log.1', async () => {
	const {result} = await copytruncateWhileBehind('a', 'b', 'access.log.1', () => new Set(matomo.received.map(hit => hit.params.url)).size >= 70);
	assert.equal(result.code, 143, result.stderr);
	assert.deepEqual([...receivedPaths()].sort(), [...expectedPaths('a', 'b')].sort());
});

for (const [copyName, compress] of [
	['access.log-20240211', false],
	['access.log.2024-02-11.gz', true],
] as const) {
	test(`follow: copytruncate while Matomo is down, dateext copy ${copyName}: the lines left behind are read from it`, async () => {
		const {result} = await copytruncateWhileBehind('e', 'f', copyName, () => new Set(matomo.received.map(hit => hit.params.url)).size >= 70, compress);
		assert.equal(result.code, 143, result.stderr);
		assert.deepEqual([...receivedPaths()].sort(), [...expectedPaths('e', 'f')].sort());
	});
}

test('follow: copytruncate with the copy moved elsewhere (olddir): the lines lost are said, with where they were', async () => {
	const {result, dir, state} = await copytruncateWhileBehind('c', 'd', 'old/access.log-20240211', () =>
		matomo.received.some(hit => hit.params.url!.includes('/d/9')),
	);
	assert.equal(result.code, 143, result.stderr);
	assert.match(
		result.stderr,
		/\[WARNING\] .*access\.log was truncated while it was followed .*no copy .* was found beside it .*: what was written to it after byte \d+/,
	);
	const newLines = new Set(receivedPaths());
	for (let i = 0; i < 10; i++) assert.ok(newLines.has(`/d/${i}`), 'the new lines are imported');
	// As the warning says: the rotated copy, imported with the same options, brings what was missed, and only that.
	const again = await runCli([
		`--url=${matomo.url}`,
		'--token-auth=test-token',
		'--idsite=1',
		`--state-file=${state}`,
		path.join(dir, 'old/access.log-20240211'),
	]);
	assert.equal(again.code, 0, again.stderr);
	assert.deepEqual([...receivedPaths()].sort(), [...expectedPaths('c', 'd')].sort());
});
