/**
 * One lane's batch of hits, held as bytes rather than as objects: the entries of the bulk body's JSON array
 * (`"?rec=1…","?rec=1…"`) in one buffer, and each hit's origin (input, line, watermark sequence) in typed arrays.
 *
 * Why: hits wait in lanes and in flight for many milliseconds, long enough for V8 to copy every waiting string and
 * object out of the young generation and then promote them. With a few thousand hits waiting that was a quarter of
 * an import's CPU time in the garbage collector. Bytes in a reused buffer are not the collector's business, and the
 * bulk body is then one copy of them, not a join of thousands of strings.
 */

/** What the Matomo client sends: the requests of a bulk body, already encoded. */
export interface EncodedRequests {
	readonly count: number;
	/**
	 * The body: `head`, the requests as JSON array entries (`"q1","q2"`), `tail`. The bytes are valid until the
	 * batch is filled again (HitBatch writes head and tail around its entries in place: no copy).
	 */
	body(head: Buffer, tail: Buffer): Buffer;
}

/** The requests as JSON array entries. A request is a query string (plain ASCII: see QueryBuilder), so no escaping. */
export function encodeRequests(requests: readonly string[]): EncodedRequests {
	const json = Buffer.from(requests.length === 0 ? '' : `"${requests.join('","')}"`, 'latin1');
	return {count: requests.length, body: (head, tail) => Buffer.concat([head, json, tail])};
}

/** FNV-1a of a visitor: a stable lane per visitor, the same on every run (Python's hash() is randomised per process). */
export function visitorHash(visitor: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < visitor.length; i++) {
		hash ^= visitor.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}

	return hash >>> 0;
}

/** Room before the first entry for the longest head a body has (`{"requests":[`). */
const HEAD_ROOM = 16;

const QUOTE = 0x22;
const COMMA = 0x2c;

/** Bytes of a request as a bulk JSON entry: a request is ASCII (percent-encoded), plus the quotes and the comma. */
export function entryLength(query: string): number {
	return query.length + 3;
}

/** Write a request as a bulk JSON entry (`"?…",`) at `at` (room for `entryLength` bytes); returns where it ends. */
export function writeEntry(target: Buffer, at: number, query: string): number {
	target[at++] = QUOTE;
	at += target.write(query, at, 'latin1');
	target[at++] = QUOTE;
	target[at++] = COMMA;
	return at;
}

/**
 * Where a hit comes from and who it is for: its origin (input, line, watermark sequence, group of requests) and
 * its visitor's keys (see VisitorRouter). Callers may reuse one object: batches copy the fields.
 */
export interface HitRef {
	input: number;
	lineNo: number;
	seq: number;
	/** 0, or the id of the group of requests one line made (listening time). */
	part: number;
	/** The key of the visitor's IP (or of another identity, such as a replayed visitor id). */
	ip: number;
	/** The key of the user id, or NO_KEY. */
	user: number;
	/** The key of the hit's site-day (see site-day.ts), or 0: no day gate. */
	day: number;
}

export class HitBatch {
	count = 0;
	/** Index of the first hit not yet acknowledged (a partial answer moves it). */
	from = 0;
	inFlight = false;
	private bytes: Buffer;
	private used = HEAD_ROOM;
	/** Byte offset where each hit's entry starts (its opening quote); `starts[count]` is the end. */
	private readonly starts: Uint32Array;
	readonly inputs: Int32Array;
	readonly lineNos: Float64Array;
	readonly seqs: Float64Array;
	/** 0, or the id of the group of requests one line made (listening time). */
	readonly parts: Int32Array;
	/** The visitor keys of each hit (see HitRef). */
	readonly ipKeys: Uint32Array;
	readonly userKeys: Uint32Array;
	readonly days: Float64Array;

	constructor(readonly capacity: number) {
		// Small at first, grown as hits come (batches are reused, so a lane's batches soon have the room they need): a
		// batch per lane is mostly partly filled, and room for a whole one each (200 hits of up to 640 bytes) was 8 MB
		// of 16 lanes' buffers for 1.3 MB of hits.
		this.bytes = Buffer.allocUnsafe(HEAD_ROOM + Math.min(16 * 1024, capacity * 640));
		this.starts = new Uint32Array(capacity + 1).fill(HEAD_ROOM);
		this.inputs = new Int32Array(capacity);
		this.lineNos = new Float64Array(capacity);
		this.seqs = new Float64Array(capacity);
		this.parts = new Int32Array(capacity);
		this.ipKeys = new Uint32Array(capacity);
		this.userKeys = new Uint32Array(capacity);
		this.days = new Float64Array(capacity);
	}

	/** Hits not acknowledged yet. */
	get remaining(): number {
		return this.count - this.from;
	}

	add(query: string, hit: HitRef): void {
		const need = this.used + entryLength(query);
		if (need > this.bytes.length) this.grow(need);
		this.record(writeEntry(this.bytes, this.used, query), hit);
	}

	/** A request already encoded as a JSON entry with its comma (`"?…",`): `entries[from, to)`. */
	addEntry(entries: Buffer, from: number, to: number, hit: HitRef): void {
		const need = this.used + to - from;
		if (need > this.bytes.length) this.grow(need);
		this.record(this.used + entries.copy(this.bytes, this.used, from, to), hit);
	}

	/** The next hit, whose entry was written from `used` to `end`. */
	private record(end: number, hit: HitRef): void {
		const i = this.count;
		this.starts[i] = this.used;
		this.starts[i + 1] = end;
		this.used = end;
		this.inputs[i] = hit.input;
		this.lineNos[i] = hit.lineNo;
		this.seqs[i] = hit.seq;
		this.parts[i] = hit.part;
		this.ipKeys[i] = hit.ip;
		this.userKeys[i] = hit.user;
		this.days[i] = hit.day;
		this.count = i + 1;
	}

	/** The request of hit `i` (a query string), e.g. to queue it elsewhere. */
	query(i: number): string {
		return this.bytes.toString('latin1', this.starts[i]! + 1, this.starts[i + 1]! - 2);
	}

	/**
	 * The first `limit` hits from `from` on (all by default), as the client sends them (a view of this batch's bytes:
	 * valid until `reset`).
	 */
	requests(limit = Number.POSITIVE_INFINITY): EncodedRequests {
		const count = Math.min(this.remaining, limit);
		return {count, body: (head, tail) => this.body(head, tail, count)};
	}

	/**
	 * The body, in place: the head goes just before the first entry sent (over entries already acknowledged, or the
	 * room left for it), the tail over the last comma. Nothing is added to a batch once it is sent. Fewer hits than
	 * remain (Matomo refused the whole as too large) are copied, since the tail would overwrite the next entry.
	 */
	private body(head: Buffer, tail: Buffer, count: number): Buffer {
		const start = this.starts[this.from]!;
		if (count < this.remaining) {
			return Buffer.concat([head, this.bytes.subarray(start, count === 0 ? start : this.starts[this.from + count]! - 1), tail]);
		}

		const end = this.remaining === 0 ? start : this.used - 1;
		if (head.length > start) {
			return Buffer.concat([head, this.bytes.subarray(start, end), tail]);
		}

		if (end + tail.length > this.bytes.length) this.grow(end + tail.length);
		head.copy(this.bytes, start - head.length);
		tail.copy(this.bytes, end);
		return this.bytes.subarray(start - head.length, end + tail.length);
	}

	reset(): void {
		this.count = 0;
		this.from = 0;
		this.used = HEAD_ROOM;
		this.inFlight = false;
	}

	private grow(need: number): void {
		// By half: a full batch of typical hits (200 × ~400 bytes) then fits in 81 KB, not 128.
		const grown = Buffer.allocUnsafe(Math.max(need, Math.ceil(this.bytes.length * 1.5)));
		this.bytes.copy(grown, 0, 0, this.used);
		this.bytes = grown;
	}
}

/**
 * The bulk body: `{"requests":[…],"token_auth":"…"}` around the encoded requests. They are query strings the
 * importer built with encodeURIComponent (plain ASCII: letters, digits, `%XX` and `-_.!~*'()=&?`, never a quote or a
 * backslash), held as JSON array entries since they were queued (see HitBatch): no copy, no JSON.stringify scan.
 */
export function bulkBody(requests: EncodedRequests, tokenAuth: string | undefined): Buffer {
	return requests.body(bulkHead, Buffer.from(tokenAuth ? `],"token_auth":${JSON.stringify(tokenAuth)}}` : ']}', 'utf8'));
}

const bulkHead = Buffer.from('{"requests":[', 'latin1');

export function isEncoded(list: readonly string[] | EncodedRequests): list is EncodedRequests {
	return !Array.isArray(list);
}
