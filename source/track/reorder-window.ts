/**
 * Puts items back in time order within a bounded window.
 *
 * Icecast and SHOUTcast write a line when the listener disconnects, so with `--track-listening-time` the requests
 * (dated at the START of each listen) arrive out of order: a 2-hour listen shows up after hundreds of short ones
 * that began later. Matomo builds visits from each visitor's requests in the order it receives them; a visitor's
 * request older than one already recorded splits or merges visits wrongly. Per-visitor order is what matters, and a
 * global time order within the window gives it.
 *
 * An item is held until the newest time seen is more than `windowSeconds` past it; then it is released, in
 * chronological order (equal times in arrival order). An item that arrives later than that (older than something
 * already released) cannot be put in its place: it is released at once and counted in `late`. A window at least as
 * long as the longest listen orders everything. Memory is bounded by `maxItems`: when full, the oldest items are
 * released early (counted in `outOfWindow`), so a huge window on a busy station degrades into partial ordering
 * instead of exhausting memory.
 *
 * A binary min-heap over parallel arrays: O(log n) per item, no allocation per item beyond the heap's growth.
 */

export interface ReorderWindowOptions {
	/** How long an item is held after newer ones arrive, in seconds. */
	windowSeconds: number;
	/** The most items held at once (default 1,000,000). */
	maxItems?: number;
}

const MICROS = 1_000_000;
const EMPTY: readonly never[] = Object.freeze([]);

export class ReorderWindow<T> {
	/** Items released before their window elapsed because `maxItems` was reached. */
	outOfWindow = 0;
	/** Items that arrived older than an item already released: released at once, out of order. */
	late = 0;

	private readonly windowMicros: number;
	private readonly maxItems: number;
	// The heap, as three parallel arrays ordered by (key, seq).
	private readonly keys: number[] = [];
	private readonly seqs: number[] = [];
	private readonly items: T[] = [];
	private seq = 0;
	private newest = Number.NEGATIVE_INFINITY;
	/** Time of the last released item: anything older is late. */
	private frontier = Number.NEGATIVE_INFINITY;

	constructor(options: ReorderWindowOptions) {
		if (!(options.windowSeconds >= 0) || !Number.isFinite(options.windowSeconds)) {
			throw new RangeError(`windowSeconds must be a finite number ≥ 0, got ${options.windowSeconds}`);
		}

		const maxItems = options.maxItems ?? 1_000_000;
		if (!Number.isInteger(maxItems) || maxItems < 1) throw new RangeError(`maxItems must be an integer ≥ 1, got ${maxItems}`);
		this.windowMicros = Math.round(options.windowSeconds * MICROS);
		this.maxItems = maxItems;
	}

	/** Items held now. */
	get size(): number {
		return this.items.length;
	}

	/**
	 * Add an item dated `seconds` + `micros` (UTC). Returns the items now due, oldest first: a late item first (it is
	 * older than everything held), then the ones the window let go, then any pushed out by `maxItems`.
	 */
	push(item: T, seconds: number, micros: number): readonly T[] {
		// Microseconds since the epoch: exact in a double until the year 2255.
		const key = seconds * MICROS + micros;
		let out: T[] | undefined;
		if (key < this.frontier) {
			this.late++;
			out = [item];
		} else {
			this.insert(key, item);
			if (key > this.newest) this.newest = key;
		}

		const due = this.newest - this.windowMicros;
		while (this.items.length > 0 && this.keys[0] < due) (out ??= []).push(this.pop());
		while (this.items.length > this.maxItems) {
			this.outOfWindow++;
			(out ??= []).push(this.pop());
		}

		return out ?? EMPTY;
	}

	/** Everything held, oldest first (end of input). The window stays usable. */
	drain(): T[] {
		const out: T[] = [];
		while (this.items.length > 0) out.push(this.pop());
		return out;
	}

	private less(a: number, b: number): boolean {
		const {keys, seqs} = this;
		return keys[a] < keys[b] || (keys[a] === keys[b] && seqs[a] < seqs[b]);
	}

	private swap(a: number, b: number): void {
		const {keys, seqs, items} = this;
		const key = keys[a];
		keys[a] = keys[b];
		keys[b] = key;
		const seq = seqs[a];
		seqs[a] = seqs[b];
		seqs[b] = seq;
		const item = items[a];
		items[a] = items[b];
		items[b] = item;
	}

	private insert(key: number, item: T): void {
		let index = this.items.length;
		this.keys.push(key);
		this.seqs.push(this.seq++);
		this.items.push(item);
		while (index > 0) {
			const parent = (index - 1) >> 1;
			if (!this.less(index, parent)) break;
			this.swap(index, parent);
			index = parent;
		}
	}

	private pop(): T {
		const {keys, seqs, items} = this;
		const top = items[0];
		if (keys[0] > this.frontier) this.frontier = keys[0];
		const last = items.length - 1;
		if (last > 0) this.swap(0, last);
		keys.pop();
		seqs.pop();
		items.pop();
		let index = 0;
		const size = last;
		for (;;) {
			const left = 2 * index + 1;
			if (left >= size) break;
			const right = left + 1;
			const child = right < size && this.less(right, left) ? right : left;
			if (!this.less(child, index)) break;
			this.swap(index, child);
			index = child;
		}

		return top;
	}
}
