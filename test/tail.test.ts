import assert from 'node:assert/strict';
import {appendFile, mkdtemp, rename, rm, truncate, unlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {followFile, type RotationReason} from '../source/input/tail.js';

let dir: string;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'mli-tail-'));
});
after(async () => {
	await rm(dir, {recursive: true, force: true});
});

/**
 * Follows `path` in the background and collects what it yields. `until(text)` waits (bounded) until the collected
 * bytes equal `text`.
 */
function follow(path: string, startOffset = 0) {
	const controller = new AbortController();
	const rotations: RotationReason[] = [];
	let received = '';
	let changed: () => void = () => {};
	const done = (async () => {
		for await (const chunk of followFile(path, {
			startOffset,
			pollMs: 20,
			signal: controller.signal,
			onRotate: reason => rotations.push(reason),
		})) {
			received += chunk.toString();
			changed();
		}
	})();
	return {
		rotations,
		get received() {
			return received;
		},
		async until(expected: string, ms = 2000) {
			const deadline = Date.now() + ms;
			while (received !== expected) {
				if (Date.now() > deadline) assert.fail(`timed out: got ${JSON.stringify(received)}, want ${JSON.stringify(expected)}`);
				await new Promise<void>(resolve => {
					changed = resolve;
					setTimeout(resolve, 20);
				});
			}
		},
		async stop() {
			controller.abort();
			await done;
		},
	};
}

describe('followFile', () => {
	test('reads from the offset, then what is appended; abort ends it', async () => {
		const path = join(dir, 'append.log');
		await writeFile(path, 'skip\nline 1\n');
		const f = follow(path, 5);
		await f.until('line 1\n');
		await appendFile(path, 'line 2\n');
		await f.until('line 1\nline 2\n');
		await appendFile(path, 'line 3\nline 4\n');
		await f.until('line 1\nline 2\nline 3\nline 4\n');
		await f.stop();
		assert.deepEqual(f.rotations, []);
	});

	test('rotation by rename: the old file is drained, then the new one is read from 0', async () => {
		const path = join(dir, 'rename.log');
		await writeFile(path, 'old 1\n');
		const f = follow(path);
		await f.until('old 1\n');
		await rename(path, `${path}.1`);
		// The writer still has the old file open for a moment.
		await appendFile(`${path}.1`, 'old 2\n');
		await new Promise(resolve => setTimeout(resolve, 60));
		await writeFile(path, 'new 1\n');
		await f.until('old 1\nold 2\nnew 1\n');
		await appendFile(path, 'new 2\n');
		await f.until('old 1\nold 2\nnew 1\nnew 2\n');
		await f.stop();
		assert.deepEqual(f.rotations, ['renamed']);
	});

	test('copytruncate: the file shrinks, reading restarts at 0', async () => {
		const path = join(dir, 'truncate.log');
		await writeFile(path, 'before truncation\n');
		const f = follow(path);
		await f.until('before truncation\n');
		await truncate(path, 0);
		await new Promise(resolve => setTimeout(resolve, 60));
		await appendFile(path, 'after\n');
		await f.until('before truncation\nafter\n');
		await f.stop();
		assert.deepEqual(f.rotations, ['truncated']);
	});

	test('a file that does not exist yet is waited for; a deleted one is followed until it is recreated', async () => {
		const path = join(dir, 'later.log');
		const f = follow(path);
		await new Promise(resolve => setTimeout(resolve, 60));
		await writeFile(path, 'first\n');
		await f.until('first\n');
		await unlink(path);
		await new Promise(resolve => setTimeout(resolve, 60));
		await writeFile(path, 'second\n');
		await f.until('first\nsecond\n');
		await f.stop();
		assert.deepEqual(f.rotations, ['renamed']);
	});

	test('abort while waiting for a file that never comes', async () => {
		const f = follow(join(dir, 'never.log'));
		await new Promise(resolve => setTimeout(resolve, 50));
		const started = Date.now();
		await f.stop();
		assert.ok(Date.now() - started < 500);
		assert.equal(f.received, '');
	});
});
