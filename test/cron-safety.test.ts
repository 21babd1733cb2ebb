/**
 * Safe in cron (issue 12): one run at a time on a state, progress that cannot be saved stops the sending, lines
 * acknowledged ahead of an unacknowledged first line are remembered.
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawn, spawnSync} from 'node:child_process';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runCli, runImport, tempDir} from './helpers.js';
import {LOCKED_EXIT_CODE} from '../source/record/run-lock.js';
import {Checkpoints} from '../source/record/checkpoints.js';
import {CheckpointStore} from '../source/record/checkpoint-store.js';
import {InputWatermark} from '../source/record/watermark.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({token: 'test-token', now: () => Date.UTC(2024, 1, 11)});
});

after(async () => {
	await matomo.close();
});

function writeLines(file: string, from: number, to: number): void {
	const out: string[] = [];
	for (let i = from; i < to; i++) {
		out.push(
			combinedLine({
				ip: `10.7.${Math.floor(i / 250)}.${i % 250}`,
				path: `/c/${i}`,
				date: `10/Feb/2024:10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000`,
			}),
		);
	}

	fs.writeFileSync(file, out.join('\n') + '\n');
}

function timesReceived(): Map<string, number> {
	const counts = new Map<string, number>();
	for (const hit of matomo.received) {
		const p = new URL(hit.params.url!).pathname;
		counts.set(p, (counts.get(p) ?? 0) + 1);
	}

	return counts;
}

async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await new Promise(resolve => setImmediate(resolve));
}

test('two identical runs at once: the second stops at once with exit status 75, each hit is imported once', async () => {
	matomo.reset();
	matomo.setFaults([{kind: 'slow', ms: 50}]);
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	writeLines(log, 0, 200);
	const args = ['--idsite=1', `--state-file=${path.join(dir, 'state.json')}`, '--recorder-max-payload-size=20', '--recorders=2', log];
	try {
		const [a, b] = await Promise.all([runImport(args, {url: matomo.url}), runImport(args, {url: matomo.url})]);
		const codes = [a.exitCode, b.exitCode].sort((x, y) => x - y);
		assert.deepEqual(codes, [0, LOCKED_EXIT_CODE]);
		const locked = a.exitCode === LOCKED_EXIT_CODE ? a : b;
		assert.match(locked.state.failure ?? '', /another import is already working on the same state/);
	} finally {
		matomo.clearFaults();
	}

	const counts = timesReceived();
	assert.equal(counts.size, 200);
	assert.deepEqual(
		[...counts.values()].filter(n => n > 1),
		[],
	);
	assert.equal(fs.existsSync(path.join(dir, 'state.json.lock')), false, 'the lock is released');
});

test('through the CLI: a run started while another works on the same state exits 75 and sends nothing', async () => {
	matomo.reset();
	// The first run's requests go unanswered until the second has run (then they time out and are sent again).
	matomo.setFaults([{kind: 'timeout'}]);
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	writeLines(log, 0, 300);
	const state = path.join(dir, 'state.json');
	const args = [
		`--url=${matomo.url}`,
		'--token-auth=test-token',
		'--idsite=1',
		`--state-file=${state}`,
		'--recorder-max-payload-size=10',
		'--recorders=1',
		'--request-timeout=2',
		'--retry-delay=0.1',
		'--retry-max-attempts=50',
		log,
	];
	try {
		const first = runCli(args);
		await until(() => fs.existsSync(`${state}.lock`) && matomo.stats().faults > 0);
		const second = await runCli(args);
		assert.equal(second.code, LOCKED_EXIT_CODE, second.stderr + second.stdout);
		assert.match(second.stderr + second.stdout, /another import is already working on the same state/);
		matomo.clearFaults();
		const firstResult = await first;
		assert.equal(firstResult.code, 0, firstResult.stderr);
	} finally {
		matomo.clearFaults();
	}

	assert.equal(timesReceived().size, 300);
	assert.equal(matomo.received.length, 300);
});

test('a lock left by a killed run is taken over without the user', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	writeLines(log, 0, 20);
	const state = path.join(dir, 'state.json');
	// A run that held the lock and was killed: its process is gone.
	const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
	await new Promise(resolve => child.once('spawn', resolve));
	fs.writeFileSync(`${state}.lock`, JSON.stringify({pid: child.pid, host: os.hostname(), processStart: null, since: new Date().toISOString(), token: 'gone'}));
	child.kill('SIGKILL');
	await new Promise(resolve => child.once('exit', resolve));
	const result = await runImport(['--idsite=1', `--state-file=${state}`, log], {url: matomo.url});
	assert.equal(result.exitCode, 0, result.state.failure ?? undefined);
	assert.equal(matomo.received.length, 20);

	// A live pid that is another process (the pid was reused) does not hold the lock either.
	fs.writeFileSync(`${state}.lock`, JSON.stringify({pid: process.pid, host: os.hostname(), processStart: '1', since: new Date().toISOString(), token: 'old'}));
	writeLines(log, 0, 30);
	const again = await runImport(['--idsite=1', `--state-file=${state}`, log], {url: matomo.url});
	assert.equal(again.exitCode, 0, again.state.failure ?? undefined);
	assert.equal(matomo.received.length, 30);
});

/** The temporary file of this process's quick saves, pointed at /dev/full: every save fails with ENOSPC. */
function fillDisk(state: string): string {
	const temp = path.join(path.dirname(state), `.${path.basename(state)}.${process.pid}.tmp`);
	fs.symlinkSync('/dev/full', temp);
	return temp;
}

test('a full disk before the run: nothing is sent, exit 1 with what to do, no temporary file left', {
	skip: !fs.existsSync('/dev/full'),
}, async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	writeLines(log, 0, 50);
	const state = path.join(dir, 'state.json');
	fillDisk(state);
	const result = await runImport(['--idsite=1', `--state-file=${state}`, log], {url: matomo.url});
	assert.equal(result.exitCode, 1);
	assert.match(result.state.failure ?? '', /progress could not be saved, so nothing was sent: .*no space left on device.*Free disk space/i);
	assert.equal(matomo.received.length, 0);
	assert.deepEqual(
		fs.readdirSync(dir).filter(name => name.endsWith('.tmp')),
		[],
	);
	assert.equal(fs.existsSync(`${state}.lock`), false);
});

test('a disk that fills during the run: sending stops, exit 1, the next run sends the rest', {
	skip: !fs.existsSync('/dev/full'),
}, async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	writeLines(log, 0, 2000);
	const state = path.join(dir, 'state.json');
	const args = ['--idsite=1', `--state-file=${state}`, '--recorder-max-payload-size=10', '--recorders=1', log];
	matomo.setFaults([{kind: 'slow', ms: 5}]);
	let full = false;
	const result = await runImport(args, {
		url: matomo.url,
		onRun: run => {
			void until(() => run.state.counters.hitsRecorded > 0).then(() => {
				// Saves during a run append to the journal beside the state file: from now on they fail.
				fs.rmSync(`${state}.journal`, {force: true});
				fs.symlinkSync('/dev/full', `${state}.journal`);
				full = true;
			});
		},
	}).finally(() => matomo.clearFaults());
	assert.ok(full);
	assert.equal(result.exitCode, 1);
	assert.match(result.state.failure ?? '', /progress can no longer be saved, so nothing more is sent.*no space left on device/i);
	assert.ok(matomo.received.length < 2000, `stopped early (${matomo.received.length} sent)`);
	assert.deepEqual(
		fs.readdirSync(dir).filter(name => name.endsWith('.tmp')),
		[],
	);
	// Space freed.
	if (fs.lstatSync(`${state}.journal`, {throwIfNoEntry: false})?.isSymbolicLink()) fs.rmSync(`${state}.journal`);
	const next = await runImport(args, {url: matomo.url});
	assert.equal(next.exitCode, 0);
	assert.equal(timesReceived().size, 2000);
});

test('a read-only state directory: nothing is sent, exit 1 (CLI)', async t => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	writeLines(log, 0, 30);
	const stateDir = path.join(dir, 'state');
	fs.mkdirSync(stateDir);
	let mounted = false;
	if (process.getuid?.() === 0) {
		// root writes anywhere: a read-only mount it is.
		mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', stateDir]).status === 0;
		if (!mounted) return t.skip('root without mount');
	} else {
		fs.chmodSync(stateDir, 0o555);
	}

	try {
		const result = await runCli([`--url=${matomo.url}`, '--token-auth=test-token', '--idsite=1', `--state-file=${path.join(stateDir, 'state.json')}`, log]);
		assert.equal(result.code, 1, result.stderr);
		assert.match(result.stderr + result.stdout, /nothing was sent/);
		assert.equal(matomo.received.length, 0);
	} finally {
		if (mounted) spawnSync('umount', [stateDir]);
	}
});

test('lines acknowledged while the batch of the first line is not are saved (offset 0)', async () => {
	const dir = tempDir();
	const file = path.join(dir, 'access.log');
	writeLines(file, 0, 10);
	const statePath = path.join(dir, 'state.json');
	const checkpoints = await Checkpoints.open(statePath, true);
	const watermark = new InputWatermark();
	const spec = {id: 0, path: file, displayName: file};
	await checkpoints.track(spec, watermark, undefined);
	const text = fs.readFileSync(file, 'utf8').split('\n');
	let offset = 0;
	const seqs: number[] = [];
	for (let i = 0; i < 10; i++) {
		seqs.push(watermark.addHit(offset, i, i === 0 ? '' : text[i - 1]!));
		offset += Buffer.byteLength(text[i]!) + 1;
		watermark.lineDone(offset, i, text[i]!);
	}

	// The first batch (lines 0–4) failed for good; the second (5–9) was acknowledged.
	for (const seq of seqs.slice(5)) watermark.ack(seq);
	await checkpoints.flush();
	checkpoints.close();
	const entries = (await CheckpointStore.open(statePath)).list();
	assert.equal(entries.length, 1);
	assert.equal(entries[0]!.offset, 0);
	assert.deepEqual(entries[0]!.ackedAhead, [[5, 9]]);
});

test('the resume skips the lines acknowledged ahead of an unacknowledged first line', async () => {
	matomo.reset();
	const dir = tempDir();
	const file = path.join(dir, 'access.log');
	writeLines(file, 0, 10);
	const statePath = path.join(dir, 'state.json');
	const checkpoints = await Checkpoints.open(statePath, true);
	const watermark = new InputWatermark();
	await checkpoints.track({id: 0, path: file, displayName: file}, watermark, undefined);
	const text = fs.readFileSync(file, 'utf8').split('\n');
	let offset = 0;
	const seqs: number[] = [];
	for (let i = 0; i < 10; i++) {
		seqs.push(watermark.addHit(offset, i, i === 0 ? '' : text[i - 1]!));
		offset += Buffer.byteLength(text[i]!) + 1;
		watermark.lineDone(offset, i, text[i]!);
	}

	for (const seq of seqs.slice(5)) watermark.ack(seq);
	await checkpoints.flush();
	checkpoints.close();
	const result = await runImport(['--idsite=1', `--state-file=${statePath}`, file], {url: matomo.url});
	assert.equal(result.exitCode, 0);
	assert.deepEqual([...timesReceived().keys()].sort(), ['/c/0', '/c/1', '/c/2', '/c/3', '/c/4']);
});
