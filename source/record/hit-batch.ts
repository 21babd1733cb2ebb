/**
 * One lane's batch of hits, held as bytes rather than as objects: the entries of the bulk body's JSON array
 * (`"?rec=1…","?rec=1…"`) in one buffer, and each hit's origin (input, line, watermark sequence) in typed arrays.
 *
 * Why: hits wait in lanes and in flight for many milliseconds, long enough for V8 to copy every waiting string and
 * object out of the young generation and then promote them. With a few thousand hits waiting that was a quarter of
 * an import's CPU time in the garbage collector. Bytes in a reused buffer are not the collector's business, and the
 * bulk body is then one copy of them, not a join of thousands of strings.
 */

/** What the Matomo client sends: the JSON array entries of a bulk request, already encoded. */
export interface EncodedRequests {
	readonly count: number;
	/** `"q1","q2",…`: each request a JSON string, separated by commas, without the brackets. */
	readonly json: Buffer;
}

/** The requests as JSON array entries. A request is a query string (plain ASCII: see QueryBuilder), so no escaping. */
export function encodeRequests(requests: readonly string[]): EncodedRequests {
	return {count: requests.length, json: Buffer.from(requests.length === 0 ? '' : `"${requests.join('","')}"`, 'latin1')};
}

const QUOTE = 0x22;
const COMMA = 0x2c;

export class HitBatch {
	count = 0;
	/** Index of the first hit not yet acknowledged (a partial answer moves it). */
	from = 0;
	inFlight = false;
	private bytes: Buffer;
	private used = 0;
	/** Byte offset where each hit's entry starts (its opening quote); `starts[count]` is the end. */
	private readonly starts: Uint32Array;
	readonly inputs: Int32Array;
	readonly lineNos: Float64Array;
	readonly seqs: Float64Array;
	/** 0, or the id of the group of requests one line made (listening time). */
	readonly parts: Int32Array;

	constructor(readonly capacity: number) {
		this.bytes = Buffer.allocUnsafe(Math.min(1 << 20, capacity * 512));
		this.starts = new Uint32Array(capacity + 1);
		this.inputs = new Int32Array(capacity);
		this.lineNos = new Float64Array(capacity);
		this.seqs = new Float64Array(capacity);
		this.parts = new Int32Array(capacity);
	}

	get full(): boolean {
		return this.count >= this.capacity;
	}

	/** Hits not acknowledged yet. */
	get remaining(): number {
		return this.count - this.from;
	}

	add(query: string, input: number, lineNo: number, seq: number, part: number): void {
		const i = this.count;
		// A request is ASCII: one byte per character, plus the quotes and the comma.
		const need = this.used + query.length + 3;
		if (need > this.bytes.length) this.grow(need);
		let at = this.used;
		this.starts[i] = at;
		this.bytes[at++] = QUOTE;
		at += this.bytes.write(query, at, 'latin1');
		this.bytes[at++] = QUOTE;
		this.bytes[at++] = COMMA;
		this.used = at;
		this.starts[i + 1] = at;
		this.inputs[i] = input;
		this.lineNos[i] = lineNo;
		this.seqs[i] = seq;
		this.parts[i] = part;
		this.count = i + 1;
	}

	/** The hits from `from` on, as the client sends them (a view of this batch's bytes: valid until `reset`). */
	requests(): EncodedRequests {
		const start = this.starts[this.from]!;
		// Without the last comma.
		const end = Math.max(start, this.used - 1);
		return {count: this.remaining, json: this.bytes.subarray(start, end)};
	}

	/** The request of hit `i` (for messages and tests). */
	request(i: number): string {
		return this.bytes.toString('latin1', this.starts[i]! + 1, this.starts[i + 1]! - 2);
	}

	reset(): void {
		this.count = 0;
		this.from = 0;
		this.used = 0;
		this.inFlight = false;
	}

	private grow(need: number): void {
		const grown = Buffer.allocUnsafe(Math.max(need, this.bytes.length * 2));
		this.bytes.copy(grown, 0, 0, this.used);
		this.bytes = grown;
	}
}
