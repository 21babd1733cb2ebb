/**
 * The store of held hits (run/held-hits.ts): ids freed in any order, each plain hit's request bytes intact until it
 * is freed while the ring is reused and grows around it, and the bytes the ring spans bounded by what is held.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {HeldHits} from '../source/run/held-hits.js';
import type {HitRef} from '../source/record/hit-batch.js';
import type {InputProgress} from '../source/core/run-state.js';
import {seededRandom} from './seeded-random.js';

const progress = {hits: 0} as InputProgress;

function entryOf(n: number, size: number): Buffer {
	return Buffer.from(`"?n=${n}&pad=${'x'.repeat(size)}",`, 'latin1');
}

test('bytes stay intact until freed, in any order, while the ring is reused and grows', () => {
	const random = seededRandom(7);
	const held = new HeldHits(1 << 30);
	const live = new Map<number, {bytes: Buffer; n: number}>();
	const ref: HitRef = {input: 0, lineNo: 0, seq: 0, part: 0, ip: 0, user: 0, day: 0};
	let n = 0;
	let peakLive = 0;
	for (let round = 0; round < 20_000; round++) {
		if (live.size === 0 || random() < 0.52) {
			const bytes = entryOf(n, Math.floor(random() * (random() < 0.01 ? 40_000 : 600)));
			// An entry inside a bigger buffer, as in a parsed batch.
			const batch = Buffer.concat([Buffer.from('[junk'), bytes, Buffer.from('junk]')]);
			const id = held.addEntry(batch, 5, 5 + bytes.length, {input: 2, lineNo: n, seq: n * 3, part: 0, ip: n ^ 0x55, user: 7, day: n / 2}, progress);
			live.set(id, {bytes, n});
			n++;
			peakLive = Math.max(peakLive, live.size);
			continue;
		}

		// Free one at random, the older ones more often (as the hold's windows do).
		const ids = [...live.keys()];
		const id = ids[Math.floor(random() * random() * ids.length)]!;
		const {bytes, n: number} = live.get(id)!;
		assert.deepEqual(held.bytes.subarray(held.entryFrom(id), held.entryTo(id)), bytes, `entry ${number}`);
		assert.equal(held.refOf(id, ref), true);
		assert.deepEqual(ref, {input: 2, lineNo: number, seq: number * 3, part: 0, ip: number ^ 0x55, user: 7, day: number / 2});
		held.free(id);
		live.delete(id);
	}

	assert.ok(peakLive > 100, `peak ${peakLive}`);
	for (const [id, {bytes}] of live) {
		assert.deepEqual(held.bytes.subarray(held.entryFrom(id), held.entryTo(id)), bytes);
		held.free(id);
	}

	assert.equal(held.spanned, 0);
	assert.equal(held.bytesSpanned, 0);
});

test('the bytes spanned follow the oldest held hit: a window of held hits keeps the ring small', () => {
	const held = new HeldHits(1 << 30);
	const window: number[] = [];
	let peak = 0;
	for (let n = 0; n < 50_000; n++) {
		window.push(held.addEntry(entryOf(n, 400), 0, entryOf(n, 400).length, {input: 0, lineNo: n, seq: n, part: 0, ip: 0, user: 0, day: 0}, progress));
		if (window.length > 100) held.free(window.shift()!);
		peak = Math.max(peak, held.bytesSpanned);
	}

	// 101 entries of some 420 bytes, and the ring's padding at its end.
	assert.ok(peak < 101 * 440 * 2, `peak ${peak}`);
});

test('hits without bytes: a dry run has no origin to send, the slow path keeps its object', () => {
	const held = new HeldHits(1024);
	const ref: HitRef = {input: 0, lineNo: 0, seq: 0, part: 0, ip: 0, user: 0, day: 0};
	const counted = held.addOther(undefined, progress, undefined);
	const slow = {build: (reasons: number) => `?reasons=${reasons}`};
	const other = held.addOther({input: 1, lineNo: 9, seq: 4, part: 0, ip: 1, user: 2, day: 3}, progress, slow);
	assert.equal(held.refOf(counted, ref), false);
	assert.equal(held.seqOf(counted), -1);
	assert.equal(held.progressOf(counted), progress);
	assert.equal(held.refOf(other, ref), true);
	assert.equal(held.slowOf(other)?.build(3), '?reasons=3');
	assert.equal(held.wouldOverflow(100), false);
	held.free(other);
	held.free(counted);
	assert.equal(held.spanned, 0);
	// With nothing held, an entry bigger than the limit still fits (nothing to decide to make room).
	assert.equal(held.wouldOverflow(4096), false);
	held.addEntry(Buffer.alloc(600), 0, 600, ref, progress);
	assert.equal(held.wouldOverflow(600), true);
});
