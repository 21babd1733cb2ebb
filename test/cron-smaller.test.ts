/** The smaller points of issue 12: a cut single-block .bz2, usage errors, a checkpoint beyond the end of its file. */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, configFrom, runCli, runImport, tempDir} from './helpers.js';
import {UsageError} from '../source/options/argv.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({token: 'test-token', now: () => Date.UTC(2024, 1, 11)});
});

after(async () => {
	await matomo.close();
});

function logText(count: number): string {
	const out: string[] = [];
	for (let i = 0; i < count; i++) out.push(combinedLine({ip: `10.6.0.${i % 250}`, path: `/s/${i}`}));
	return out.join('\n') + '\n';
}

test('a truncated single-block .bz2 is damaged, not empty: exit 1 and "truncated"', {
	skip: spawnSync('bzip2', ['--help']).error !== undefined,
}, async () => {
	const dir = tempDir();
	const plain = path.join(dir, 'access.log');
	fs.writeFileSync(plain, logText(50));
	spawnSync('bzip2', ['-k', plain]);
	const whole = fs.readFileSync(`${plain}.bz2`);
	const cut = path.join(dir, 'cut.log.bz2');
	fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
	const result = await runImport(['--idsite=1', cut], {url: matomo.url});
	assert.equal(result.exitCode, 1);
	assert.match(result.state.inputs[0]!.message ?? '', /truncated/);
	assert.ok(result.state.notices.some(notice => notice.includes('truncated')));
});

test('--recorders=0 and --idsite=abc are usage errors (exit 2)', async () => {
	assert.throws(() => configFrom(['--recorders=0', 'x.log']), UsageError);
	assert.throws(() => configFrom(['--idsite=abc', 'x.log']), UsageError);
	assert.equal(configFrom(['--idsite=3', '--recorders=2', 'x.log']).idsite, '3');
	const result = await runCli(['--url=http://127.0.0.1:9', '--token-auth=x', '--idsite=abc', 'x.log']);
	assert.equal(result.code, 2, result.stderr);
	const zero = await runCli(['--url=http://127.0.0.1:9', '--token-auth=x', '--idsite=1', '--recorders=0', 'x.log']);
	assert.equal(zero.code, 2, zero.stderr);
});

test('a checkpoint beyond the end of its file restarts the file with a WARNING', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	fs.writeFileSync(log, logText(20));
	const state = path.join(dir, 'state.json');
	const args = ['--idsite=1', `--state-file=${state}`, log];
	assert.equal((await runImport(args, {url: matomo.url})).exitCode, 0);
	const data = JSON.parse(fs.readFileSync(state, 'utf8')) as {entries: Array<{offset: number; lineNo: number; complete: boolean}>};
	data.entries[0]!.offset += 100_000;
	data.entries[0]!.lineNo += 500;
	data.entries[0]!.complete = false;
	fs.writeFileSync(state, JSON.stringify(data));
	const again = await runImport(args, {url: matomo.url});
	assert.equal(again.exitCode, 0);
	assert.ok(
		again.state.notices.some(notice => /^WARNING: .*beyond the end of the file/.test(notice)),
		again.state.notices.join('\n'),
	);
	assert.equal(matomo.received.length, 40);
});

test('--dump-log-regex logs the format and its regex as the reference does (on stderr), and sends nothing', async () => {
	matomo.reset();
	const log = path.join(tempDir(), 'access.log');
	fs.writeFileSync(log, combinedLine({}) + '\n');
	const result = await runCli([`--url=${matomo.url}`, '--token-auth=test-token', '--idsite=1', '--dump-log-regex', log]);
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stderr, /^Using format 'ncsa_extended'\.\nRegex being used: \(\?P<ip>.*\n--dump-log-regex option used, aborting log import\./m);
	assert.equal(matomo.received.length, 0);
});
