import assert from 'node:assert/strict';
import {mkdtemp, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {gzipSync} from 'node:zlib';
import {readLines} from '../source/input/line-reader.js';
import {openInput} from '../source/input/open-input.js';
import type {InputSpec} from '../source/input/types.js';
import {
	CheckpointStore,
	defaultStatePath,
	findCheckpoint,
	fingerprintInput,
	fingerprintOfPrefix,
	lineChecksum,
	type CheckpointEntry,
} from '../source/record/checkpoint-store.js';
import {quickSaveInterval} from '../source/record/checkpoints.js';

let dir: string;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'mli-state-'));
});
after(async () => {
	await rm(dir, {recursive: true, force: true});
});

function spec(path: string): InputSpec {
	return {id: 0, path, displayName: path};
}

function logText(count: number, tag = ''): string {
	let text = '';
	for (let i = 0; i < count; i++) text += `1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] "GET /${tag}${i} HTTP/1.1" 200 ${i}\n`;
	return text;
}

/** What the engine would record after acknowledging the first `lines` lines of an input. */
async function entryAfter(path: string, lines: number, encoding?: string): Promise<CheckpointEntry> {
	const fp = await fingerprintInput(spec(path));
	assert.ok(fp);
	const input = await openInput(spec(path));
	let offset = 0;
	let last = '';
	let seen = 0;
	for await (const batch of readLines(input, {encoding})) {
		for (let i = 0; i < batch.lines.length && seen < lines; i++, seen++) {
			offset = batch.ends[i];
			last = batch.lines[i];
		}
	}
	await input.close();
	return {
		fingerprint: fp.hash,
		prefixLength: fp.prefixLength,
		headHash: fp.head,
		path,
		offset,
		lineNo: lines,
		lastLineSha1: lines === 0 ? '' : lineChecksum(last),
		complete: false,
		updatedAt: new Date().toISOString(),
	};
}

describe('defaultStatePath', () => {
	test('XDG_STATE_HOME, else ~/.local/state', () => {
		assert.equal(defaultStatePath({XDG_STATE_HOME: '/xdg', HOME: '/home/u'}), '/xdg/matomo-log-import/state.json');
		assert.equal(defaultStatePath({HOME: '/home/u'}), '/home/u/.local/state/matomo-log-import/state.json');
		// A relative XDG_STATE_HOME is invalid by the spec and ignored.
		assert.equal(defaultStatePath({XDG_STATE_HOME: 'rel', HOME: '/home/u'}), '/home/u/.local/state/matomo-log-import/state.json');
	});
});

/** A recent date: entries not met for FORGET_AFTER_DAYS are forgotten when the state is written. */
const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();

describe('CheckpointStore', () => {
	test('a missing file is an empty store; save is atomic, mode 0600, and reads back', async () => {
		const path = join(dir, 'nested', 'deeper', 'state.json');
		const store = await CheckpointStore.open(path);
		assert.deepEqual(store.list(), []);
		const entry: CheckpointEntry = {
			fingerprint: 'a'.repeat(64),
			prefixLength: 4096,
			path: '/var/log/access.log',
			offset: 1234,
			lineNo: 10,
			lastLineSha1: lineChecksum('x'),
			complete: false,
			updatedAt: daysAgo(2),
		};
		// Anything else given to update (an option, a token) never reaches the file.
		store.update({...entry, token: 'secret-token'} as CheckpointEntry);
		await Promise.all([store.save(), store.save(), store.save()]);
		assert.equal((await stat(path)).mode & 0o777, 0o600);
		assert.deepEqual(await readdir(join(dir, 'nested', 'deeper')), ['state.json']); // no temp file left
		const text = await readFile(path, 'utf8');
		assert.ok(!text.includes('secret-token'));
		assert.deepEqual(JSON.parse(text), {version: 1, entries: [entry]});
		assert.deepEqual((await CheckpointStore.open(path)).list(), [entry]);

		// A second save appends what changed to the journal beside the state file (not the whole state again).
		const before = await readFile(path, 'utf8');
		store.update({...entry, offset: 2000, updatedAt: daysAgo(1)});
		await store.save();
		assert.equal(await readFile(path, 'utf8'), before);
		assert.equal((await stat(`${path}.journal`)).mode & 0o777, 0o600);
		assert.equal((await CheckpointStore.open(path)).list()[0].offset, 2000);
		assert.equal(store.list().length, 1);
	});

	test('a damaged state file is a clear error naming the file, --reimport and --state-file', async () => {
		const path = join(dir, 'broken.json');
		for (const content of ['{"version":1,"entries":[', '[]', '{"version":9,"entries":[]}', '{"version":1,"entries":[{"offset":-1}]}']) {
			await writeFile(path, content);
			await assert.rejects(CheckpointStore.open(path), (error: Error) => {
				assert.match(error.message, new RegExp(`state file ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged`));
				assert.match(error.message, /--reimport/);
				assert.match(error.message, /--state-file/);
				return true;
			});
		}
	});

	test('update replaces the entry it resumed from (the file has grown: a new fingerprint)', async () => {
		const store = await CheckpointStore.open(join(dir, 'grow.json'));
		const old: CheckpointEntry = {
			fingerprint: 'b'.repeat(64),
			prefixLength: 100,
			path: 'a.log',
			offset: 100,
			lineNo: 2,
			lastLineSha1: '',
			complete: true,
			updatedAt: daysAgo(2),
		};
		store.update(old);
		store.update({...old, fingerprint: 'c'.repeat(64), prefixLength: 4096, offset: 9000}, old);
		assert.deepEqual(
			store.list().map(e => e.fingerprint[0]),
			['c'],
		);
	});
});

describe('fingerprints and findCheckpoint', () => {
	test('stdin has no fingerprint and no checkpoint', async () => {
		assert.equal(await fingerprintInput(spec('-')), null);
		const store = await CheckpointStore.open(join(dir, 'stdin.json'));
		assert.equal(await findCheckpoint(store, spec('-')), null);
	});

	test('a rotated and gzipped file is still recognised, and verified', async () => {
		const log = join(dir, 'access.log');
		await writeFile(log, logText(1000));
		const fp = await fingerprintInput(spec(log));
		assert.equal(fp?.prefixLength, 4096);
		const store = await CheckpointStore.open(join(dir, 'rotate.json'));
		store.update(await entryAfter(log, 600));
		await store.save();

		// logrotate: access.log → access.log.1 → access.log.2.gz
		const rotated = join(dir, 'access.log.2.gz');
		await writeFile(rotated, gzipSync(await readFile(log)));
		await rm(log);
		assert.deepEqual(await fingerprintInput(spec(rotated)), fp);
		const reopened = await CheckpointStore.open(join(dir, 'rotate.json'));
		const found = await findCheckpoint(reopened, spec(rotated));
		assert.ok(found);
		assert.equal(found.verified, true);
		assert.equal(found.entry.lineNo, 600);
		assert.equal(found.entry.path, log);

		// Resuming at the offset gives line 600 next.
		const input = await openInput(spec(rotated), {startOffset: found.entry.offset});
		const first = (await readLines(input, {baseOffset: found.entry.offset, firstLineNo: 600}).next()).value;
		await input.close();
		assert.equal(first?.lines[0], logText(1000).split('\n')[600]);
	});

	for (const legacy of [false, true]) {
		test(`a file shorter than 4096 bytes that has grown still matches${legacy ? ' (an entry written before headHash)' : ''}`, async () => {
			const log = join(dir, `small${legacy}.log`);
			await writeFile(log, logText(5));
			const entry = await entryAfter(log, 5);
			if (legacy) delete entry.headHash;
			assert.ok(entry.prefixLength < 4096);
			const store = await CheckpointStore.open(join(dir, `small${legacy}.json`));
			store.update(entry);
			await store.save();
			const reopened = await CheckpointStore.open(join(dir, `small${legacy}.json`));
			await writeFile(log, logText(500));
			const found = await findCheckpoint(reopened, spec(log));
			assert.deepEqual(found && {verified: found.verified, offset: found.entry.offset}, {verified: true, offset: entry.offset});
			assert.equal(found?.entry.headHash, entry.headHash);
			// But not a file that is now shorter than the recorded prefix, nor a different one.
			await writeFile(log, logText(2));
			assert.equal(await findCheckpoint(reopened, spec(log)), null);
			await writeFile(log, logText(5, 'other'));
			assert.equal(await findCheckpoint(reopened, spec(log)), null);
		});
	}

	test('among thousands of small files of as many lengths, an input is matched with the ones it continues only', async () => {
		const store = await CheckpointStore.open(join(dir, 'many-small.json'));
		const texts: string[] = [];
		for (let i = 0; i < 3000; i++) {
			// One line each, of lengths that differ: as many prefix lengths as files.
			const text = `10.0.${i % 250}.${i % 7} - - [10/Oct/2023:13:55:36 +0000] "GET /${'x'.repeat(i % 900)}${i} HTTP/1.1" 200 ${i}\n`;
			texts.push(text);
			const fp = fingerprintOfPrefix(Buffer.from(text));
			store.update({
				fingerprint: fp.hash,
				prefixLength: fp.prefixLength,
				headHash: fp.head,
				path: `f${i}.log`,
				offset: text.length,
				lineNo: 1,
				lastLineSha1: lineChecksum(text.slice(0, -1)),
				complete: true,
				updatedAt: new Date().toISOString(),
			});
		}

		// File 1234 grew by a line: found by its shorter prefix; file 77 as it was; a new file matches nothing.
		const grown = Buffer.from(texts[1234] + texts[9]);
		assert.deepEqual(
			store.find(grown).map(entry => entry.path),
			['f1234.log'],
		);
		const copy = Buffer.from(texts[77]!);
		assert.deepEqual(
			store.find(copy).map(entry => entry.path),
			['f77.log'],
		);
		assert.deepEqual(store.find(Buffer.from('203.0.113.9 - - new\n')), []);
	});

	test('same start, different line before the offset: found but not verified', async () => {
		const log = join(dir, 'same-start.log');
		const text = logText(1000);
		await writeFile(log, text);
		const store = await CheckpointStore.open(join(dir, 'same.json'));
		store.update(await entryAfter(log, 800));
		// The first 4096 bytes stay, line 799 changes (same length, so the offset is still a line end).
		const lines = text.split('\n');
		lines[799] = lines[799].replace('GET', 'PUT');
		await writeFile(log, lines.join('\n'));
		const found = await findCheckpoint(store, spec(log));
		assert.equal(found?.verified, false);
		// Cut shorter than the offset: not verified either.
		await writeFile(log, text.slice(0, 10_000));
		assert.equal((await findCheckpoint(store, spec(log)))?.verified, false);
	});

	test('an offset inside a CRLF is not a line end', async () => {
		const log = join(dir, 'crlf.log');
		const text = logText(200).replaceAll('\n', '\r\n');
		await writeFile(log, text);
		const entry = await entryAfter(log, 150);
		const store = await CheckpointStore.open(join(dir, 'crlf.json'));
		store.update(entry);
		assert.equal((await findCheckpoint(store, spec(log)))?.verified, true);
		store.update({...entry, offset: entry.offset - 1});
		assert.equal((await findCheckpoint(store, spec(log)))?.verified, false);
	});

	test('an oversized last line is checked on its cut text, reading from the start', async () => {
		const log = join(dir, 'long.log');
		await writeFile(log, `${logText(100)}${'x'.repeat(5000)}\nafter\n`);
		const input = await openInput(spec(log));
		let offset = 0;
		let last = '';
		for await (const batch of readLines(input, {maxLineBytes: 64})) {
			offset = batch.ends[100];
			last = batch.lines[100];
		}
		assert.equal(last.length, 64);
		const fp = await fingerprintInput(spec(log));
		const store = await CheckpointStore.open(join(dir, 'long.json'));
		store.update({
			fingerprint: fp!.hash,
			prefixLength: fp!.prefixLength,
			path: log,
			offset,
			lineNo: 101,
			lastLineSha1: lineChecksum(last),
			complete: false,
			updatedAt: new Date().toISOString(),
		});
		assert.equal((await findCheckpoint(store, spec(log), {maxLineBytes: 64}))?.verified, true);
	});

	test('the checksum is over decoded text: the same encoding verifies', async () => {
		const log = join(dir, 'latin1.log');
		await writeFile(log, Buffer.concat([Buffer.from(logText(100)), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]));
		const entry = await entryAfter(log, 101, 'latin1');
		const store = await CheckpointStore.open(join(dir, 'latin1.json'));
		store.update(entry);
		assert.equal((await findCheckpoint(store, spec(log), {encoding: 'latin1'}))?.verified, true);
		assert.equal((await findCheckpoint(store, spec(log)))?.verified, false);
	});

	test('a renamed file keeps its checkpoint (matching is by content)', async () => {
		const log = join(dir, 'before.log');
		await writeFile(log, logText(300));
		const store = await CheckpointStore.open(join(dir, 'rename.json'));
		store.update(await entryAfter(log, 300));
		const moved = join(dir, 'after.log');
		await rename(log, moved);
		const found = await findCheckpoint(store, spec(moved));
		assert.equal(found?.verified, true);
		assert.equal(found?.entry.lineNo, 300);
	});
});

test('quick saves: every 15 ms when saving is cheap, less often on a slow disk, never more than 50 ms apart', () => {
	assert.equal(quickSaveInterval(0.1), 15);
	assert.equal(quickSaveInterval(0.3), 15);
	// A save of 0.6 ms every 30 ms: 2% of the thread.
	assert.equal(quickSaveInterval(0.6), 30);
	// However slow the disk, a kill resends at most the answers of the last 50 ms.
	assert.equal(quickSaveInterval(5), 50);
	assert.equal(quickSaveInterval(200), 50);
});
