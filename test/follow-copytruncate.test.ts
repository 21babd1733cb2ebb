/** --follow with logrotate's copytruncate while behind (issue 12): the lines not imported yet are read from the copy. */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
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

test('follow: copytruncate while Matomo is down; the lines left behind are read from access.log.1', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	fs.writeFileSync(log, block('a', 0, 20));
	let scenario: Promise<void> = Promise.resolve();
	const done = runCli(
		[
			`--url=${matomo.url}`,
			'--token-auth=test-token',
			'--idsite=1',
			'--follow',
			'--follow-interval=0.05',
			'--retry-delay=0.02',
			`--state-file=${path.join(dir, 'state.json')}`,
			log,
		],
		{
			timeoutMs: 60_000,
			onStarted(child) {
				scenario = (async () => {
					try {
						await until(() => matomo.hitCount() >= 20);
						// Matomo down: the importer falls behind while lines keep coming.
						matomo.setFaults([{kind: '500'}]);
						fs.appendFileSync(log, block('a', 20, 40));
						await until(() => matomo.stats().faults > 0);
						// Written while the importer waits for Matomo: not read yet.
						fs.appendFileSync(log, block('a', 40, 60));
						// copytruncate: copy, then truncate in place (same inode), then new lines.
						fs.copyFileSync(log, `${log}.1`);
						fs.truncateSync(log, 0);
						fs.appendFileSync(log, block('b', 0, 10));
						matomo.clearFaults();
						await until(() => new Set(matomo.received.map(hit => hit.params.url)).size >= 70);
					} finally {
						child.kill('SIGTERM');
					}
				})();
			},
		},
	);
	const result = await done;
	await scenario;
	assert.equal(result.code, 143, result.stderr);
	const paths = matomo.received.map(hit => new URL(hit.params.url!).pathname);
	const expected = [...Array.from({length: 60}, (_, i) => `/a/${i}`), ...Array.from({length: 10}, (_, i) => `/b/${i}`)];
	assert.deepEqual([...paths].sort(), [...expected].sort());
});

test('follow: copytruncate with a copy named otherwise (dateext): the lines lost are said, with where they were', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	fs.writeFileSync(log, block('c', 0, 20));
	let scenario: Promise<void> = Promise.resolve();
	const done = runCli(
		[
			`--url=${matomo.url}`,
			'--token-auth=test-token',
			'--idsite=1',
			'--follow',
			'--follow-interval=0.05',
			'--retry-delay=0.02',
			`--state-file=${path.join(dir, 'state.json')}`,
			log,
		],
		{
			timeoutMs: 60_000,
			onStarted(child) {
				scenario = (async () => {
					try {
						await until(() => matomo.hitCount() >= 20);
						matomo.setFaults([{kind: '500'}]);
						fs.appendFileSync(log, block('c', 20, 40));
						await until(() => matomo.stats().faults > 0);
						fs.appendFileSync(log, block('c', 40, 60));
						// The copy gets a name the importer cannot know.
						fs.copyFileSync(log, `${log}-20240211`);
						fs.truncateSync(log, 0);
						fs.appendFileSync(log, block('d', 0, 10));
						matomo.clearFaults();
						await until(() => matomo.received.some(hit => hit.params.url!.includes('/d/9')));
					} finally {
						child.kill('SIGTERM');
					}
				})();
			},
		},
	);
	const result = await done;
	await scenario;
	assert.equal(result.code, 143, result.stderr);
	assert.match(
		result.stderr,
		/\[WARNING\] .*access\.log was truncated while it was followed .*no copy .* was found as .*access\.log\.1: what was written to it after byte \d+/,
	);
	const newLines = new Set(matomo.received.map(hit => new URL(hit.params.url!).pathname));
	for (let i = 0; i < 10; i++) assert.ok(newLines.has(`/d/${i}`), 'the new lines are imported');
	// As the warning says: the rotated copy, imported with the same options, brings what was missed, and only that.
	const again = await runCli([
		`--url=${matomo.url}`,
		'--token-auth=test-token',
		'--idsite=1',
		`--state-file=${path.join(dir, 'state.json')}`,
		`${log}-20240211`,
	]);
	assert.equal(again.code, 0, again.stderr);
	const paths = matomo.received.map(hit => new URL(hit.params.url!).pathname);
	const expected = [...Array.from({length: 60}, (_, i) => `/c/${i}`), ...Array.from({length: 10}, (_, i) => `/d/${i}`)];
	assert.deepEqual([...paths].sort(), [...expected].sort());
});
