/**
 * The hits --bot-detection=behavior holds until their visitor's verdict, without an object per hit: each is a number
 * (its id) into parallel typed arrays of what it needs to go on (its origin and visitor keys, see HitRef), and a plain
 * hit's request is copied as a bulk entry into a ring of bytes (the parsed batch it came in is reused after the run
 * handles it). Hits on the slow path (--enable-bots rebuilds the request; sites by host name) keep their object.
 *
 * Ids are given in order and freed in any order; the ring's oldest bytes are reclaimed once every hit before them is
 * gone. The hold decides a visitor at the latest `maxBehind` hits after its first held hit, so the ring spans at most
 * that many held entries; `maxBytes` bounds it whatever the entries' size (see BotStage: the oldest visitors are
 * decided to make room).
 */
import type {InputProgress} from '../core/run-state.js';
import type {HitRef} from '../record/hit-batch.js';

/** A held hit on the slow path: what its request is built from, on release. */
export interface SlowHeld {
	build(reasons: number): string;
}

const initialSlots = 1024;
const initialBytes = 1024 * 1024;

export class HeldHits {
	/** Ids `[first, next)` span every live hit (some in between are gone). */
	private first = 0;
	private next = 0;
	private slots = initialSlots;
	private live = new Uint8Array(initialSlots);
	private inputs = new Int32Array(initialSlots);
	private lineNos = new Float64Array(initialSlots);
	private seqs = new Float64Array(initialSlots);
	private ips = new Uint32Array(initialSlots);
	private users = new Uint32Array(initialSlots);
	private days = new Float64Array(initialSlots);
	/** Where each hit's entry is in the ring, as positions that only grow (the byte is at position % ring size). */
	private starts = new Float64Array(initialSlots);
	private ends = new Float64Array(initialSlots);
	private progress: Array<InputProgress | undefined> = new Array<InputProgress | undefined>(initialSlots);
	private slow: Array<SlowHeld | undefined> = new Array<SlowHeld | undefined>(initialSlots);
	private ring = Buffer.allocUnsafeSlow(initialBytes);
	/** Ring positions: the next entry is written at `head`; what is before `tail` is free. */
	private head = 0;
	private tail = 0;

	constructor(readonly maxBytes: number) {}

	/** Bytes the ring spans now (live entries and the gaps between them). */
	get bytesSpanned(): number {
		return this.head - this.tail;
	}

	/** How many ids are live or between live ones. */
	get spanned(): number {
		return this.next - this.first;
	}

	/** Whether an entry of `size` bytes would take the ring past `maxBytes`. */
	wouldOverflow(size: number): boolean {
		return this.head - this.tail + size * 2 > this.maxBytes && this.next > this.first;
	}

	/** A plain hit: its request `entries[from, to)` (a bulk entry) is copied. */
	addEntry(entries: Buffer, from: number, to: number, ref: HitRef, progress: InputProgress): number {
		const size = to - from;
		let start = this.head;
		if ((start % this.ring.length) + size > this.ring.length) start += this.ring.length - (start % this.ring.length);
		while (start + size - this.tail > this.ring.length) {
			this.growRing();
			start = this.head;
			if ((start % this.ring.length) + size > this.ring.length) start += this.ring.length - (start % this.ring.length);
		}

		entries.copy(this.ring, start % this.ring.length, from, to);
		this.head = start + size;
		return this.add(ref, progress, undefined, start, start + size);
	}

	/** A hit on the slow path (or, in a dry run, only counted: `ref` undefined). */
	addOther(ref: HitRef | undefined, progress: InputProgress, slow: SlowHeld | undefined): number {
		return this.add(ref, progress, slow, this.head, this.head);
	}

	/** A plain held hit's request is a bulk entry: `bytes[entryFrom(id), entryTo(id))`, until it is freed. */
	get bytes(): Buffer {
		return this.ring;
	}

	entryFrom(id: number): number {
		return this.starts[id % this.slots]! % this.ring.length;
	}

	entryTo(id: number): number {
		const slot = id % this.slots;
		return (this.starts[slot]! % this.ring.length) + this.ends[slot]! - this.starts[slot]!;
	}

	/** Copy the held hit's origin and keys into `ref`; false in a dry run (nothing to send). */
	refOf(id: number, ref: HitRef): boolean {
		const slot = id % this.slots;
		if (this.seqs[slot] === -1) return false;
		ref.input = this.inputs[slot]!;
		ref.lineNo = this.lineNos[slot]!;
		ref.seq = this.seqs[slot]!;
		ref.part = 0;
		ref.ip = this.ips[slot]!;
		ref.user = this.users[slot]!;
		ref.day = this.days[slot]!;
		return true;
	}

	inputOf(id: number): number {
		return this.inputs[id % this.slots]!;
	}

	seqOf(id: number): number {
		return this.seqs[id % this.slots]!;
	}

	progressOf(id: number): InputProgress {
		return this.progress[id % this.slots]!;
	}

	slowOf(id: number): SlowHeld | undefined {
		return this.slow[id % this.slots];
	}

	/** The hit went on or was dropped: its id and (once every hit before it is gone) its bytes are free. */
	free(id: number): void {
		const slot = id % this.slots;
		this.live[slot] = 0;
		this.progress[slot] = undefined;
		this.slow[slot] = undefined;
		while (this.first < this.next && this.live[this.first % this.slots] === 0) this.first++;
		this.tail = this.first < this.next ? this.starts[this.first % this.slots]! : this.head;
	}

	private add(ref: HitRef | undefined, progress: InputProgress, slow: SlowHeld | undefined, start: number, end: number): number {
		if (this.next - this.first >= this.slots) this.growSlots();
		const id = this.next++;
		const slot = id % this.slots;
		this.live[slot] = 1;
		this.inputs[slot] = ref?.input ?? -1;
		this.lineNos[slot] = ref?.lineNo ?? -1;
		this.seqs[slot] = ref?.seq ?? -1;
		this.ips[slot] = ref?.ip ?? 0;
		this.users[slot] = ref?.user ?? 0;
		this.days[slot] = ref?.day ?? 0;
		// Entries without bytes take none: they start and end where the next entry will.
		this.starts[slot] = start;
		this.ends[slot] = end;
		this.progress[slot] = progress;
		this.slow[slot] = slow;
		if (this.first === id) this.tail = start;
		return id;
	}

	/** Twice the slots; the live ids, which span fewer than the old count, keep distinct slots. */
	private growSlots(): void {
		const slots = this.slots * 2;
		const move = <A extends {length: number; [index: number]: unknown}>(from: A, to: A): A => {
			for (let id = this.first; id < this.next; id++) to[id % slots] = from[id % this.slots];
			return to;
		};

		this.live = move(this.live, new Uint8Array(slots));
		this.inputs = move(this.inputs, new Int32Array(slots));
		this.lineNos = move(this.lineNos, new Float64Array(slots));
		this.seqs = move(this.seqs, new Float64Array(slots));
		this.ips = move(this.ips, new Uint32Array(slots));
		this.users = move(this.users, new Uint32Array(slots));
		this.days = move(this.days, new Float64Array(slots));
		this.starts = move(this.starts, new Float64Array(slots));
		this.ends = move(this.ends, new Float64Array(slots));
		this.progress = move(this.progress, new Array<InputProgress | undefined>(slots));
		this.slow = move(this.slow, new Array<SlowHeld | undefined>(slots));
		this.slots = slots;
	}

	/**
	 * Twice the ring. An entry never crosses a multiple of the old size (it was written whole), so it does not cross
	 * one of the new size either, and the live positions, which span less than the old size, stay distinct.
	 */
	private growRing(): void {
		const size = this.ring.length * 2;
		const ring = Buffer.allocUnsafeSlow(size);
		for (let id = this.first; id < this.next; id++) {
			const slot = id % this.slots;
			const start = this.starts[slot]!;
			const end = this.ends[slot]!;
			if (this.live[slot] === 0 || end === start) continue;
			this.ring.copy(ring, start % size, start % this.ring.length, (start % this.ring.length) + end - start);
		}

		this.ring = ring;
	}
}
