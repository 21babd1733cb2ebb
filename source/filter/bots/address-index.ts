/**
 * The addresses of the evidence table's visitors (visitor-evidence-table.ts), each with the first slot of its visitors,
 * in the order first seen (the table forgets the oldest first). It is looked up for every parsed line, so an IPv4
 * address (nearly every line of most logs) is read as its 32-bit number and found in an open-addressing table of typed
 * arrays: no string to hash, and nothing per address for the garbage collector to walk or to miss the cache on. Other
 * addresses (IPv6, host names) go in a Map.
 */
import {grown} from '../../core/typed-arrays.js';

/** The addresses of a table as plain data, to and from a worker (see VisitorEvidenceState). */
export interface AddressIndexState {
	/** The first slot of each address, in the order first seen. */
	heads: Int32Array<ArrayBuffer>;
	/** For each, its IPv4 number, or 0 with `other` set. */
	numbers: Int32Array<ArrayBuffer>;
	other: Uint8Array<ArrayBuffer>;
	/** The other addresses, one a line, in the same order. */
	others: string;
}

const NOT_IPV4 = -1;
const initialSize = 1024;

/**
 * A dotted-quad IPv4 address as its number (0 to 2^32 - 1), or NOT_IPV4 for anything else, leading zeros included:
 * two strings that give one number are the same address.
 */
export function ipv4Number(text: string): number {
	const {length} = text;
	if (length < 7 || length > 15) return NOT_IPV4;
	let value = 0;
	let part = 0;
	let digits = 0;
	let dots = 0;
	for (let i = 0; i < length; i++) {
		const code = text.charCodeAt(i);
		if (code === 46) {
			if (digits === 0 || dots === 3) return NOT_IPV4;
			value = value * 256 + part;
			part = 0;
			digits = 0;
			dots++;
		} else if (code >= 48 && code <= 57) {
			if (digits > 0 && part === 0) return NOT_IPV4;
			part = part * 10 + code - 48;
			if (++digits > 3 || part > 255) return NOT_IPV4;
		} else {
			return NOT_IPV4;
		}
	}

	if (dots !== 3 || digits === 0) return NOT_IPV4;
	return value * 256 + part;
}

/** Fibonacci hashing: the top bits of the product, `shift` = 32 - log2(buckets). */
function bucketOf(key: number, shift: number): number {
	return Math.imul(key, 0x9e_37_79_b1) >>> shift;
}

export class AddressIndex {
	/** Open addressing, linear probing: each bucket's IPv4 number (as int32) and its head slot + 1 (0: empty). */
	private keys = new Int32Array(initialSize);
	private slots = new Int32Array(initialSize);
	private mask = initialSize - 1;
	private shift = 32 - Math.log2(initialSize);
	private numbers = 0;
	private readonly others = new Map<string, number>();
	/** Head slots in the order first seen: a ring, `orderLength` of them from `orderStart`. */
	private order = new Int32Array(initialSize);
	private orderStart = 0;
	private orderLength = 0;
	/** By head slot: its IPv4 number (int32), or its other address. */
	private numberOf = new Int32Array(initialSize);
	private otherOf: Array<string | undefined> = [];

	/** How many addresses. */
	get size(): number {
		return this.orderLength;
	}

	/** The head slot of `address`, or -1. */
	get(address: string): number {
		const number = ipv4Number(address);
		if (number === NOT_IPV4) return this.others.get(address) ?? -1;
		const key = number | 0;
		const {keys, slots, mask} = this;
		for (let at = bucketOf(key, this.shift); ; at = (at + 1) & mask) {
			const slot = slots[at]!;
			if (slot === 0) return -1;
			if (keys[at] === key) return slot - 1;
		}
	}

	/** A new address (not in the index) with its head slot; `copy` makes the string to keep of an address that is no IPv4. */
	add(address: string, head: number, copy: (text: string) => string): void {
		const number = ipv4Number(address);
		if (number !== NOT_IPV4) {
			this.addNumber(number | 0, head);
			return;
		}

		this.place(head);
		const kept = copy(address);
		this.others.set(kept, head);
		this.otherOf[head] = kept;
	}

	/** The head slot of the address seen first, or -1. */
	oldest(): number {
		return this.orderLength === 0 ? -1 : this.order[this.orderStart]!;
	}

	/** The address seen first counts as seen last (it is in use: forget another first). */
	requeueOldest(): void {
		const head = this.order[this.orderStart]!;
		this.orderStart = (this.orderStart + 1) % this.order.length;
		this.order[(this.orderStart + this.orderLength - 1) % this.order.length] = head;
	}

	/** Forget the address seen first. */
	removeOldest(): void {
		const head = this.order[this.orderStart]!;
		this.orderStart = (this.orderStart + 1) % this.order.length;
		this.orderLength--;
		const other = this.otherOf[head];
		if (other === undefined) {
			this.remove(this.numberOf[head]!);
		} else {
			this.others.delete(other);
			this.otherOf[head] = undefined;
		}
	}

	/** The index as plain data (see AddressIndexState). */
	state(): AddressIndexState {
		const count = this.orderLength;
		const heads = new Int32Array(count);
		const numbers = new Int32Array(count);
		const other = new Uint8Array(count);
		const others: string[] = [];
		for (let i = 0; i < count; i++) {
			const head = this.order[(this.orderStart + i) % this.order.length]!;
			heads[i] = head;
			const text = this.otherOf[head];
			if (text === undefined) {
				numbers[i] = this.numberOf[head]!;
			} else {
				other[i] = 1;
				others.push(text);
			}
		}

		return {heads, numbers, other, others: others.join('\n')};
	}

	/** An index with the addresses of `state`, in its order. */
	static from(state: AddressIndexState): AddressIndex {
		const index = new AddressIndex();
		const others = state.others === '' ? [] : state.others.split('\n');
		let next = 0;
		for (let i = 0; i < state.heads.length; i++) {
			const head = state.heads[i]!;
			if (state.other[i] === 1) index.add(others[next++]!, head, text => text);
			else index.addNumber(state.numbers[i]!, head);
		}

		return index;
	}

	private addNumber(key: number, head: number): void {
		this.place(head);
		this.insert(key, head);
		this.numberOf[head] = key;
		this.otherOf[head] = undefined;
	}

	/** Room for what is kept by `head`, and `head` last in the order. */
	private place(head: number): void {
		if (head >= this.numberOf.length) this.growSlots(head);
		if (this.orderLength === this.order.length) this.growOrder();
		this.order[(this.orderStart + this.orderLength) % this.order.length] = head;
		this.orderLength++;
	}

	private insert(key: number, head: number): void {
		if ((this.numbers + 1) * 2 > this.keys.length) this.rehash(this.keys.length * 2);
		const {keys, slots, mask} = this;
		let at = bucketOf(key, this.shift);
		while (slots[at] !== 0) at = (at + 1) & mask;
		keys[at] = key;
		slots[at] = head + 1;
		this.numbers++;
	}

	/** Backward-shift deletion: the entries after it that probed past its bucket move up, so no look-up stops early. */
	private remove(key: number): void {
		const {keys, slots, mask} = this;
		let at = bucketOf(key, this.shift);
		while (keys[at] !== key || slots[at] === 0) {
			if (slots[at] === 0) return;
			at = (at + 1) & mask;
		}

		slots[at] = 0;
		this.numbers--;
		for (let next = (at + 1) & mask; slots[next] !== 0; next = (next + 1) & mask) {
			const home = bucketOf(keys[next]!, this.shift);
			// Stays when its home bucket lies cyclically in (at, next]: the gap at `at` does not cut its probe.
			const stays = at <= next ? home > at && home <= next : home > at || home <= next;
			if (stays) continue;
			keys[at] = keys[next]!;
			slots[at] = slots[next]!;
			slots[next] = 0;
			at = next;
		}
	}

	private rehash(size: number): void {
		const {keys, slots} = this;
		this.keys = new Int32Array(size);
		this.slots = new Int32Array(size);
		this.mask = size - 1;
		this.shift = 32 - Math.log2(size);
		this.numbers = 0;
		for (let i = 0; i < keys.length; i++) if (slots[i] !== 0) this.insert(keys[i]!, slots[i]! - 1);
	}

	private growOrder(): void {
		const grown = new Int32Array(this.order.length * 2);
		for (let i = 0; i < this.orderLength; i++) grown[i] = this.order[(this.orderStart + i) % this.order.length]!;
		this.order = grown;
		this.orderStart = 0;
	}

	private growSlots(slot: number): void {
		this.numberOf = grown(this.numberOf, new Int32Array(Math.max(this.numberOf.length * 2, slot + 1)));
	}
}
