/**
 * The state at scale (issue 12): 100,000 files remembered, saves that cost what changed, forgetting only by the
 * documented rule, and an unchanged compressed file known again without being decompressed.
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runImport, tempDir} from './helpers.js';
import {CheckpointStore, FORGET_AFTER_DAYS, type CheckpointEntry} from '../source/record/checkpoint-store.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({token: 'test-token', now: () => Date.UTC(2024, 1, 11)});
});

after(async () => {
	await matomo.close();
});

const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();

function entry(i: number, updatedAt = daysAgo(1)): CheckpointEntry {
	return {
		fingerprint: i.toString(16).padStart(64, '0'),
		prefixLength: 4096,
		path: `/var/log/cloudfront/E1.${i}.gz`,
		offset: 1000 + i,
		lineNo: 10,
		lastLineSha1: 'a'.repeat(40),
		complete: true,
		updatedAt,
	};
}

test('the state remembers 100,000 files, and a save during a run writes only what changed', async () => {
	const dir = tempDir();
	const statePath = path.join(dir, 'state.json');
	const store = await CheckpointStore.open(statePath);
	for (let i = 0; i < 100_000; i++) store.update(entry(i));
	await store.save();
	const reopened = await CheckpointStore.open(statePath);
	assert.equal(reopened.size, 100_000);
	const stateBefore = fs.statSync(statePath);

	// One file moves: the quick save appends it to the journal, the state file is not rewritten.
	reopened.update({...entry(7), offset: 99_999});
	reopened.saveQuickSync();
	assert.equal(fs.statSync(statePath).mtimeMs, stateBefore.mtimeMs);
	assert.ok(fs.statSync(`${statePath}.journal`).size < 1000);
	const again = await CheckpointStore.open(statePath);
	assert.equal(again.size, 100_000);
	assert.equal(again.list().find(e => e.fingerprint === entry(7).fingerprint)!.offset, 99_999);
});

test('a line cut by a kill at the end of the journal is ignored; the entries before it hold', async () => {
	const dir = tempDir();
	const statePath = path.join(dir, 'state.json');
	const store = await CheckpointStore.open(statePath);
	store.update(entry(1));
	await store.save();
	store.update(entry(2));
	store.saveQuickSync();
	fs.appendFileSync(`${statePath}.journal`, '{"set":{"fingerpr');
	assert.equal((await CheckpointStore.open(statePath)).size, 2);
});

test(`entries are forgotten only when no run met their file for ${FORGET_AFTER_DAYS} days`, async () => {
	const dir = tempDir();
	const statePath = path.join(dir, 'state.json');
	const store = await CheckpointStore.open(statePath);
	store.update(entry(1, daysAgo(FORGET_AFTER_DAYS + 1)));
	store.update(entry(2, daysAgo(FORGET_AFTER_DAYS - 1)));
	await store.save();
	const kept = (await CheckpointStore.open(statePath)).list().map(e => e.path);
	assert.deepEqual(kept, [entry(2).path]);
});

test('an imported .gz unchanged on disk is skipped without being decompressed', async () => {
	matomo.reset();
	const dir = tempDir();
	const lines: string[] = [];
	for (let i = 0; i < 3000; i++) lines.push(combinedLine({ip: `10.5.${Math.floor(i / 250)}.${i % 250}`, path: `/g/${i}/${'x'.repeat(i % 50)}`}));
	const gz = path.join(dir, 'access.log.1.gz');
	// Level 0: the compressed bytes after the first 4 KiB are the text itself, easy to spoil.
	fs.writeFileSync(gz, zlib.gzipSync(lines.join('\n') + '\n', {level: 0}));
	// A whole second: set again exactly after the file is spoilt below (a fraction could round differently).
	fs.utimesSync(gz, 1_700_000_000, 1_700_000_000);
	const args = ['--idsite=1', `--state-file=${path.join(dir, 'state.json')}`, gz];
	assert.equal((await runImport(args, {url: matomo.url})).exitCode, 0);
	assert.equal(matomo.received.length, 3000);

	// Same size, same time, same first 4 KiB; the rest spoilt: read, it would be corrupt.
	const bytes = fs.readFileSync(gz);
	bytes.fill(0xff, 8192, bytes.length - 16);
	fs.writeFileSync(gz, bytes);
	fs.utimesSync(gz, 1_700_000_000, 1_700_000_000);
	const again = await runImport(args, {url: matomo.url});
	assert.equal(again.exitCode, 0, again.state.notices.join('\n'));
	assert.equal(again.state.counters.skipped.alreadyImported, 3000);
	assert.match(again.state.inputs[0]!.message ?? '', /already imported/);
	assert.equal(matomo.received.length, 3000);
});
