import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ReorderWindow} from '../source/track/reorder-window.js';
import {seededRandom} from './seeded-random.js';

/** A small deterministic PRNG (mulberry32), so that a failure can be replayed. */

interface Item {
	id: number;
	seconds: number;
	micros: number;
}

/**
 * Listens as a log writes them: each starts at `seconds` and is written at its disconnect, start + a duration of at
 * most `maxDelay` seconds. Sorted by write time, the start times arrive out of order, but never more than `maxDelay`
 * behind the newest one.
 */
function arrivals(count: number, maxDelay: number, seed: number): Item[] {
	const next = seededRandom(seed);
	const items: Array<Item & {written: number}> = [];
	let seconds = 1_795_000_000;
	for (let id = 0; id < count; id++) {
		seconds += Math.floor(next() * 3); // several listens may start in the same second
		const micros = next() < 0.5 ? 0 : Math.floor(next() * 1_000_000);
		items.push({id, seconds, micros, written: seconds + Math.floor(next() * (maxDelay + 1))});
	}

	return items.sort((a, b) => a.written - b.written);
}

function byTime(a: Item, b: Item): number {
	return a.seconds - b.seconds || a.micros - b.micros || a.id - b.id;
}

function run(window: ReorderWindow<Item>, items: readonly Item[]): Item[] {
	const out: Item[] = [];
	for (const item of items) out.push(...window.push(item, item.seconds, item.micros));
	out.push(...window.drain());
	return out;
}

describe('ReorderWindow', () => {
	it('puts arrivals shuffled within the window back in time order', () => {
		for (const seed of [1, 2, 3, 4, 5]) {
			const items = arrivals(5000, 3600, seed);
			const window = new ReorderWindow<Item>({windowSeconds: 3600});
			const out = run(window, items);
			assert.equal(out.length, items.length);
			// Times only: equal times come out in arrival order (checked below), not in id order.
			assert.deepEqual(
				out.map(item => [item.seconds, item.micros]),
				[...items].sort(byTime).map(item => [item.seconds, item.micros]),
			);
			assert.equal(window.late, 0);
			assert.equal(window.outOfWindow, 0);
		}
	});

	it('releases items as soon as the newest time is more than the window past them', () => {
		const window = new ReorderWindow<string>({windowSeconds: 10});
		assert.deepEqual(window.push('b', 105, 0), []);
		assert.deepEqual(window.push('a', 100, 0), []);
		assert.deepEqual(window.push('c', 110, 0), [], '100 is not older than 110 − 10');
		assert.deepEqual(window.push('d', 110, 1), ['a'], '100 is older than 110.000001 − 10');
		assert.deepEqual(window.push('e', 130, 0), ['b', 'c', 'd']);
		assert.equal(window.size, 1);
		assert.deepEqual(window.drain(), ['e']);
		assert.equal(window.size, 0);
	});

	it('is stable for equal times', () => {
		const window = new ReorderWindow<number>({windowSeconds: 60});
		const out: number[] = [];
		for (let id = 0; id < 200; id++) out.push(...window.push(id, 1000 + (id % 3), 0));
		out.push(...window.drain());
		const expected = [...Array.from({length: 200}, (_, id) => id)].sort((a, b) => (a % 3) - (b % 3) || a - b);
		assert.deepEqual(out, expected);
	});

	it('releases a late item at once and counts it', () => {
		const window = new ReorderWindow<string>({windowSeconds: 10});
		window.push('a', 100, 0);
		assert.deepEqual(window.push('b', 200, 0), ['a']);
		assert.deepEqual(window.push('late', 50, 0), ['late']);
		assert.equal(window.late, 1);
		// Equal to the last released time is not late (its place is right after it): due at once, in order.
		assert.deepEqual(window.push('same', 100, 0), ['same']);
		assert.deepEqual(window.drain(), ['b']);
		assert.equal(window.late, 1);
	});

	it('bounds memory: never holds more than maxItems, the oldest go early', () => {
		const items = arrivals(10_000, 7200, 7);
		const window = new ReorderWindow<Item>({windowSeconds: 1e9, maxItems: 100});
		const out: Item[] = [];
		for (const item of items) {
			out.push(...window.push(item, item.seconds, item.micros));
			assert.ok(window.size <= 100);
		}

		assert.equal(window.size, 100);
		// Each item beyond the first 100 pushed one out early, or was itself late (older than one pushed out).
		assert.ok(window.outOfWindow > 0);
		assert.equal(window.outOfWindow + window.late, 10_000 - 100);
		out.push(...window.drain());
		assert.equal(out.length, items.length);
		assert.deepEqual(new Set(out.map(item => item.id)).size, items.length, 'nothing lost, nothing twice');
		// Within a few items: out of order only where the early releases forced it.
		let inversions = 0;
		for (let index = 1; index < out.length; index++) if (byTime(out[index - 1], out[index]) > 0) inversions++;
		assert.ok(inversions <= window.late, `${inversions} inversions, ${window.late} late`);
	});

	it('validates its options', () => {
		assert.throws(() => new ReorderWindow({windowSeconds: -1}), RangeError);
		assert.throws(() => new ReorderWindow({windowSeconds: Number.NaN}), RangeError);
		assert.throws(() => new ReorderWindow({windowSeconds: 1, maxItems: 0}), RangeError);
	});

	it("a million items through a one-hour window come out in time order, none late (its speed is the bench's business)", () => {
		const next = seededRandom(11);
		const window = new ReorderWindow<number>({windowSeconds: 3600});
		let released = 0;
		let previous = Number.NEGATIVE_INFINITY;
		let base = 1_795_000_000;
		for (let id = 0; id < 1_000_000; id++) {
			if (id % 100 === 0) base++;
			const seconds = base - Math.floor(next() * 3600);
			for (const time of window.push(seconds, seconds, 0)) {
				assert.ok(time >= previous);
				previous = time;
				released++;
			}
		}

		released += window.drain().length;
		assert.equal(released, 1_000_000);
		assert.equal(window.late, 0);
	});
});
