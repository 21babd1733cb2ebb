/**
 * --follow (issue 4): a live log is imported as it grows, through rotation and while Matomo is down, each line once.
 */
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

const line = (tag: string, i: number) => combinedLine({ip: `10.7.0.${i % 200}`, path: `/${tag}/${i}`});
const block = (tag: string, from: number, to: number) => Array.from({length: to - from}, (_, k) => line(tag, from + k)).join('\n') + '\n';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
	const started = Date.now();
	while (!condition()) {
		if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what} (Matomo has ${matomo.hitCount()} hits)`);
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

test('follow: growth, Matomo down and back, rotation by rename; SIGTERM ends with 143 and every line once', async () => {
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
			timeoutMs: 40_000,
			onStarted(child) {
				scenario = (async () => {
					try {
						await waitFor(() => matomo.hitCount() >= 20, 'the first lines');
						fs.appendFileSync(log, block('a', 20, 35));
						await waitFor(() => matomo.hitCount() >= 35, 'appended lines');

						// Matomo goes down; lines keep coming; nothing may be lost.
						matomo.setFaults([{kind: '500'}]);
						fs.appendFileSync(log, block('a', 35, 50));
						await new Promise(resolve => setTimeout(resolve, 400));
						assert.equal(matomo.hitCount(), 35);
						matomo.clearFaults();
						await waitFor(() => matomo.hitCount() >= 50, 'lines written while Matomo was down');

						// Rotation: a last line lands in the old file just before the rename, then a new file starts.
						fs.appendFileSync(log, block('a', 50, 52));
						fs.renameSync(log, `${log}.1`);
						fs.writeFileSync(log, block('b', 0, 10));
						await waitFor(() => matomo.hitCount() >= 62, 'the rotated and the new file');
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
	const expected = [...Array.from({length: 52}, (_, i) => `/a/${i}`), ...Array.from({length: 10}, (_, i) => `/b/${i}`)];
	assert.deepEqual([...paths].sort(), [...expected].sort());
});
