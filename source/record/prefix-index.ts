/**
 * Which checkpoint entries an input's first bytes may continue, found in one pass over those bytes.
 *
 * An entry is keyed by the sha256 of its file's first `prefixLength` bytes (up to 4096). A file imported while small
 * has a short prefix, and grown since (or rotated after growing) it is continued from that entry, so an input must be
 * compared with every prefix length the state holds. Where thousands of inputs are smaller than 4096 bytes (one-line
 * files, CloudFront's small deliveries), there are thousands of lengths, and a sha256 per length per input made a run
 * quadratic. Entries therefore also carry `headHash`, a 32-bit FNV-1a of the same prefix: rolled over the input's
 * bytes once, it gives the hash at every length, and only the entries it names are checked by their sha256. Entries
 * written before `headHash` existed are checked the old way, one sha256 per length.
 */
import {FINGERPRINT_BYTES, FNV_OFFSET, fingerprintOf, nextHeadHash, type CheckpointEntry} from './checkpoint-entry.js';

/** Where entries of a prefix length and head hash are kept: a small integer (a look-up costs no allocation), shared by chance with others (their keys tell them apart). */
const slot = (length: number, hash: number) => (Math.imul(length, 0x9e_37_79_b1) ^ hash) & 0x3f_ff_ff_ff;

export class PrefixIndex {
	/** Entry keys by slot: one key, or several when a slot is shared (most hold one: no collection per entry). */
	private readonly bySlot = new Map<number, string | string[]>();
	/** How many such entries have each prefix length (the pass looks up only those lengths). */
	private readonly headLengths = new Uint32Array(FINGERPRINT_BYTES + 1);
	/** Entries without a head hash (older state files): how many of each prefix length. */
	private readonly legacyLengths = new Map<number, number>();

	add(entry: CheckpointEntry, key: string): void {
		const {prefixLength: length, headHash} = entry;
		if (headHash === undefined) {
			this.legacyLengths.set(length, (this.legacyLengths.get(length) ?? 0) + 1);
			return;
		}

		const at = slot(length, headHash);
		const held = this.bySlot.get(at);
		if (held === undefined) this.bySlot.set(at, key);
		else if (typeof held === 'string') this.bySlot.set(at, [held, key]);
		else held.push(key);
		this.headLengths[length]!++;
	}

	remove(entry: CheckpointEntry, key: string): void {
		const {prefixLength: length, headHash} = entry;
		if (headHash === undefined) {
			const count = (this.legacyLengths.get(length) ?? 1) - 1;
			if (count > 0) this.legacyLengths.set(length, count);
			else this.legacyLengths.delete(length);
			return;
		}

		const at = slot(length, headHash);
		const held = this.bySlot.get(at);
		if (held === key) {
			this.bySlot.delete(at);
		} else if (Array.isArray(held) && held.includes(key)) {
			const rest = held.filter(other => other !== key);
			this.bySlot.set(at, rest.length === 1 ? rest[0]! : rest);
		} else {
			return;
		}

		this.headLengths[length]!--;
	}

	/** The keys of the entries whose prefix is the start of `prefix` (an input's first up to 4096 bytes), as `keyOf` makes them. */
	matches(prefix: Buffer): string[] {
		const found: string[] = [];
		// A plain loop over a plain view: the hash at every length, in one pass (a generator or a Buffer's indexing
		// costs several times as much per byte, and inputs of a few lines meet thousands of lengths).
		const bytes = new Uint8Array(prefix.buffer, prefix.byteOffset, prefix.length);
		const {headLengths} = this;
		let hash = FNV_OFFSET;
		for (let i = 0; i < bytes.length; i++) {
			hash = nextHeadHash(hash, bytes[i]!);
			if (headLengths[i + 1] === 0) continue;
			const length = i + 1;
			const held = this.bySlot.get(slot(length, hash));
			if (held === undefined) continue;
			const key = `${length}:${fingerprintOf(prefix, length)}`;
			if (held === key || (Array.isArray(held) && held.includes(key))) found.push(key);
		}

		for (const length of this.legacyLengths.keys()) {
			if (length === 0 || length > prefix.length) continue;
			found.push(`${length}:${fingerprintOf(prefix, length)}`);
		}

		return found;
	}
}
