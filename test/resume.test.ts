/**
 * Exactly-once across runs: checkpoints, resume, rotation, and stopping (issue 4). Each scenario checks the
 * multiset of hits the Matomo test double received: every line once, none twice.
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runCli, runImport, tempDir} from './helpers.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({token: 'test-token', now: () => Date.UTC(2024, 1, 11)});
});

after(async () => {
	await matomo.close();
});

function lines(from: number, to: number, tag = 'p'): string[] {
	const out: string[] = [];
	for (let i = from; i < to; i++) {
		out.push(
			combinedLine({
				ip: `10.9.${Math.floor(i / 250)}.${i % 250}`,
				path: `/${tag}/${i}`,
				date: `10/Feb/2024:10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000`,
			}),
		);
	}

	return out;
}

function receivedPaths(): string[] {
	return matomo.received.map(hit => new URL(hit.params.url!).pathname);
}

function assertExactlyOnce(expected: string[]): void {
	const got = receivedPaths();
	const counts = new Map<string, number>();
	for (const p of got) counts.set(p, (counts.get(p) ?? 0) + 1);
	const missing = expected.filter(p => !counts.has(p));
	const twice = [...counts].filter(([, n]) => n > 1).map(([p]) => p);
	assert.deepEqual({missing: missing.slice(0, 5), twice: twice.slice(0, 5)}, {missing: [], twice: []});
	assert.equal(got.length, expected.length);
}

const expectedPaths = (from: number, to: number, tag = 'p') => Array.from({length: to - from}, (_, i) => `/${tag}/${from + i}`);

test('a file that grew is imported from where the last run stopped', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	const state = `--state-file=${path.join(dir, 'state.json')}`;
	fs.writeFileSync(log, lines(0, 30).join('\n') + '\n');
	const first = await runImport(['--idsite=1', state, log], {url: matomo.url});
	assert.equal(first.state.counters.hitsRecorded, 30);
	fs.appendFileSync(log, lines(30, 45).join('\n') + '\n');
	const second = await runImport(['--idsite=1', state, log], {url: matomo.url});
	assert.equal(second.state.counters.hitsRecorded, 15);
	assert.equal(second.state.counters.skipped.alreadyImported, 30);
	assertExactlyOnce(expectedPaths(0, 45));
	assert.equal((fs.statSync(path.join(dir, 'state.json')).mode & 0o777).toString(8), '600');
});

test('a file already imported is skipped with a message; --reimport imports it again', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	const state = `--state-file=${path.join(dir, 'state.json')}`;
	fs.writeFileSync(log, lines(0, 10).join('\n') + '\n');
	await runImport(['--idsite=1', state, log], {url: matomo.url});
	const again = await runImport(['--idsite=1', state, log], {url: matomo.url});
	assert.equal(again.state.counters.hitsRecorded, 0);
	assert.equal(again.state.inputs[0]!.phase, 'skipped');
	assert.match(again.state.inputs[0]!.message ?? '', /already imported/);
	assertExactlyOnce(expectedPaths(0, 10));
	const forced = await runImport(['--idsite=1', state, '--reimport', log], {url: matomo.url});
	assert.equal(forced.state.counters.hitsRecorded, 10);
});

test('rotation by rename, by copytruncate and with gzip: each line once', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	const state = `--state-file=${path.join(dir, 'state.json')}`;
	fs.writeFileSync(log, lines(0, 20).join('\n') + '\n');
	await runImport(['--idsite=1', state, log], {url: matomo.url});

	// More lines, then logrotate renames the file and the server starts a new one.
	fs.appendFileSync(log, lines(20, 25).join('\n') + '\n');
	fs.renameSync(log, `${log}.1`);
	fs.writeFileSync(log, lines(0, 8, 'new').join('\n') + '\n');
	await runImport(['--idsite=1', state, `${log}*`], {url: matomo.url});
	assertExactlyOnce([...expectedPaths(0, 25), ...expectedPaths(0, 8, 'new')]);

	// copytruncate: the content is copied to .2, the file truncated in place and written again.
	fs.appendFileSync(log, lines(8, 12, 'new').join('\n') + '\n');
	fs.copyFileSync(log, `${log}.2`);
	fs.truncateSync(log, 0);
	fs.writeFileSync(log, lines(0, 5, 'third').join('\n') + '\n');
	// The first rotated file is compressed meanwhile: still recognised by its (decompressed) content.
	fs.writeFileSync(`${log}.1.gz`, zlib.gzipSync(fs.readFileSync(`${log}.1`)));
	fs.rmSync(`${log}.1`);
	await runImport(['--idsite=1', state, `${log}*`], {url: matomo.url});
	assertExactlyOnce([...expectedPaths(0, 25), ...expectedPaths(0, 12, 'new'), ...expectedPaths(0, 5, 'third')]);
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
	const started = Date.now();
	while (!condition()) {
		if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
		await new Promise(resolve => setTimeout(resolve, 5));
	}
}

test('SIGKILL at several points of a long import, then a re-run: nothing lost, only in-flight batches twice', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	const total = 6000;
	fs.writeFileSync(log, lines(0, total).join('\n') + '\n');
	// Slow answers keep requests in flight when the kill comes (and pace the acknowledgements: 3 lanes × 50 hits per
	// 60 ms, so a checkpoint interval of 15 to 50 ms spans at most one answer per lane).
	matomo.setFaults([{kind: 'slow', ms: 60}]);
	const args = [
		`--url=${matomo.url}`,
		'--token-auth=test-token',
		'--idsite=1',
		`--state-file=${path.join(dir, 'state.json')}`,
		'--recorders=3',
		'--recorder-max-payload-size=50',
		log,
	];
	const payload = 50;
	const recorders = 3;
	let duplicatesAllowed = 0;
	for (const killAt of [800, 2500, 4100]) {
		const before = matomo.hitCount();
		await runCli(args, {
			onStarted: child => {
				void waitFor(() => matomo.hitCount() - before >= killAt / 3 || child.exitCode !== null).then(() => child.kill('SIGKILL'));
			},
		});
		// Each kill may leave to be sent again the requests in flight (one per recorder) and those Matomo acknowledged in
		// the last checkpoint interval before the kill (at most 50 ms: up to one answer per recorder), plus one batch of
		// margin for the timing of the kill.
		duplicatesAllowed += payload * (2 * recorders + 1);
	}

	matomo.clearFaults();
	const final = await runCli(args);
	assert.equal(final.code, 0, final.stderr);
	const got = receivedPaths();
	const unique = new Set(got);
	assert.equal(unique.size, total, 'every line reached Matomo');
	console.log(`# duplicates after 3 kills: ${got.length - total}`);
	assert.ok(got.length - total <= duplicatesAllowed, `${got.length - total} duplicates, at most ${duplicatesAllowed} allowed`);
});

test('SIGINT: in-flight requests finish, progress is saved, exit 130; the re-run sends each line once', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	const total = 4000;
	fs.writeFileSync(log, lines(0, total).join('\n') + '\n');
	matomo.setFaults([{kind: 'slow', ms: 20}]);
	const args = [
		`--url=${matomo.url}`,
		'--token-auth=test-token',
		'--idsite=1',
		`--state-file=${path.join(dir, 'state.json')}`,
		'--recorders=2',
		'--recorder-max-payload-size=40',
		log,
	];
	const stopped = await runCli(args, {
		onStarted: child => {
			void waitFor(() => matomo.hitCount() >= 400 || child.exitCode !== null).then(() => child.kill('SIGINT'));
		},
	});
	assert.equal(stopped.code, 130, stopped.stderr);
	assert.match(stopped.stderr, /resume/);
	matomo.clearFaults();
	const final = await runCli(args);
	assert.equal(final.code, 0, final.stderr);
	assertExactlyOnce(expectedPaths(0, total));
});

test('the default state directory resumes the same import; with CI set, only a --state-file does', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	fs.writeFileSync(log, lines(0, 5).join('\n') + '\n');
	const env = {XDG_STATE_HOME: path.join(dir, 'state-home')};
	const args = [`--url=${matomo.url}`, '--token-auth=test-token', '--idsite=1', log];
	await runCli(args, {env: {...env, CI: ''}});
	const again = await runCli(args, {env: {...env, CI: ''}});
	assert.match(again.stdout, /0 requests imported successfully/);
	assert.match(again.stdout, /5 lines skipped as already imported/);
	assert.equal(matomo.received.length, 5);
	// A CI runner: no default state, the same command imports again.
	const ci = await runCli(args, {env: {...env, CI: 'true'}});
	assert.match(ci.stdout, /5 requests imported successfully/);
	assert.equal(matomo.received.length, 10);
});

test('a stop while Matomo hangs is bounded: the requests in flight are abandoned after the grace period', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	fs.writeFileSync(log, lines(0, 300).join('\n') + '\n');
	const args = [
		`--url=${matomo.url}`,
		'--token-auth=test-token',
		'--idsite=1',
		`--state-file=${path.join(dir, 'state.json')}`,
		'--recorder-max-payload-size=20',
		'--stop-grace=0.5',
		log,
	];
	// The first batches go through, then Matomo stops answering.
	matomo.setFaults([{kind: 'timeout', probability: 1}]);
	// Stopped once requests hang in flight (a bulk post was received and not answered), not at a fixed moment.
	const stopped = await runCli(args, {
		onStarted: child => {
			void waitFor(() => matomo.bulkPosts > 0 || child.exitCode !== null).then(() => child.kill('SIGTERM'));
		},
	});
	// Bounded: exit 143 long before the 300 s request timeout (runCli kills the program after 60 s: code null).
	assert.equal(stopped.code, 143, stopped.stderr);
	matomo.clearFaults();
	const final = await runCli(args);
	assert.equal(final.code, 0, final.stderr);
	assertExactlyOnce(expectedPaths(0, 300));
});
