/**
 * The checkpoint watermark of one input (design notes, invariant 3): the offset of the end of the last line before
 * the first line whose hit Matomo has not acknowledged yet. Filtered and invalid lines count as done. Hits are
 * acknowledged out of order (lanes run concurrently); the watermark only moves forward.
 */
export interface WatermarkPosition {
	/** Decompressed byte offset: everything before it is done. */
	offset: number;
	/** Number of lines before `offset`. */
	lineNo: number;
	/** Text of the line that ends at `offset` (its checksum lets a resume verify the file is the same). */
	lastLine: string;
}

export class InputWatermark {
	// The pending hit lines, in line order, in typed arrays: they wait for Matomo long enough that, as JS objects
	// and strings, the garbage collector would copy and promote every one of them. The text of the line before each
	// is kept as UTF-8 bytes in `texts` (copied: the batch they came from goes back to the parse worker).
	// `head` is the first not acknowledged; entries before `head` are dropped by compaction now and then.
	private starts = new Float64Array(1024);
	private lines = new Float64Array(1024);
	private acked = new Uint8Array(1024);
	/** Where each entry's previous-line text starts in `texts`; the next entry's start is where it ends. */
	private textStarts = new Float64Array(1025);
	private texts = Buffer.allocUnsafe(256 * 1024);
	private count = 0;
	private head = 0;
	/** Sequence number of entry 0. */
	private base = 0;
	private doneOffset: number;
	private doneLines: number;
	/** The text of the line that ends at doneOffset: a string, or UTF-8 bytes `doneBytes[doneFrom, doneTo)`. */
	private doneText: string | undefined;
	private doneBytes: Buffer | undefined;
	private doneFrom = 0;
	private doneTo = 0;

	constructor(start: WatermarkPosition = {offset: 0, lineNo: 0, lastLine: ''}) {
		this.doneOffset = start.offset;
		this.doneLines = start.lineNo;
		this.doneText = start.lastLine;
	}

	/** A line was read and decided without a hit (skipped, invalid) — or, for `hit`, became a pending hit. */
	lineDone(endOffset: number, lineNo: number, text: string): void {
		this.doneOffset = endOffset;
		this.doneLines = lineNo + 1;
		this.doneText = text;
		this.doneBytes = undefined;
	}

	/** `lineDone` with the line's text as UTF-8 bytes `texts[from, to)`, kept by reference until `pinDoneText`. */
	lineDoneBytes(endOffset: number, lineNo: number, texts: Buffer, from: number, to: number): void {
		this.doneOffset = endOffset;
		this.doneLines = lineNo + 1;
		this.doneBytes = texts;
		this.doneFrom = from;
		this.doneTo = to;
		this.doneText = undefined;
	}

	/**
	 * A hit is pending for the line that starts at `startOffset` (the previous line's end, whose text is
	 * `previousText`) with number `lineNo`. Returns its sequence number for `ack`. Call `lineDone` for the line too.
	 */
	addHit(startOffset: number, lineNo: number, previousText: string): number {
		const i = this.entry(startOffset, lineNo);
		const at = this.textStarts[i]!;
		// UTF-8 takes at most 3 bytes per UTF-16 unit; the checksum is over these bytes (lone surrogates: EF BF BD).
		if (at + previousText.length * 3 > this.texts.length) this.growTexts(at, at + previousText.length * 3);
		this.textStarts[i + 1] = at + this.texts.write(previousText, at, 'utf8');
		return this.base + i;
	}

	/** `addHit` with the previous line's text as UTF-8 bytes `texts[from, to)` (copied). */
	addHitBytes(startOffset: number, lineNo: number, texts: Buffer, from: number, to: number): number {
		const i = this.entry(startOffset, lineNo);
		const at = this.textStarts[i]!;
		if (at + to - from > this.texts.length) this.growTexts(at, at + to - from);
		this.texts.set(texts.subarray(from, to), at);
		this.textStarts[i + 1] = at + to - from;
		return this.base + i;
	}

	/** Copy the text of the last line done, if it is still a reference into a batch (before the batch is reused). */
	pinDoneText(): void {
		if (this.doneBytes === undefined) return;
		this.doneText = this.doneBytes.toString('utf8', this.doneFrom, this.doneTo);
		this.doneBytes = undefined;
	}

	ack(seq: number): void {
		const index = seq - this.base;
		if (index < 0 || index >= this.count) return;
		this.acked[index] = 1;
		while (this.head < this.count && this.acked[this.head] === 1) this.head++;
	}

	/** Line numbers of hits acknowledged after the watermark, as inclusive ranges (bounded by the backlog). */
	ackedAhead(): Array<[number, number]> {
		const ranges: Array<[number, number]> = [];
		for (let i = this.head; i < this.count; i++) {
			if (this.acked[i] !== 1) continue;
			const line = this.lines[i]!;
			const last = ranges.at(-1);
			if (last && last[1] === line - 1) last[1] = line;
			else ranges.push([line, line]);
		}

		return ranges;
	}

	get pending(): number {
		return this.count - this.head;
	}

	position(): WatermarkPosition {
		const i = this.head;
		if (i < this.count) {
			return {offset: this.starts[i]!, lineNo: this.lines[i]!, lastLine: this.texts.toString('utf8', this.textStarts[i]!, this.textStarts[i + 1]!)};
		}

		const lastLine = this.doneText ?? this.doneBytes?.toString('utf8', this.doneFrom, this.doneTo) ?? '';
		return {offset: this.doneOffset, lineNo: this.doneLines, lastLine};
	}

	private entry(startOffset: number, lineNo: number): number {
		if (this.count === this.acked.length) this.makeRoom();
		const i = this.count;
		this.starts[i] = startOffset;
		this.lines[i] = lineNo;
		this.acked[i] = 0;
		this.count = i + 1;
		return i;
	}

	/** Drop the acknowledged entries before `head` when they are at least half; else grow the arrays. */
	private makeRoom(): void {
		const {head, count} = this;
		if (head * 2 >= count) {
			this.starts.copyWithin(0, head, count);
			this.lines.copyWithin(0, head, count);
			this.acked.copyWithin(0, head, count);
			const textFrom = this.textStarts[head]!;
			this.texts.copyWithin(0, textFrom, this.textStarts[count]!);
			for (let i = head; i <= count; i++) this.textStarts[i - head] = this.textStarts[i]! - textFrom;
			this.base += head;
			this.count -= head;
			this.head = 0;
			return;
		}

		const size = this.acked.length * 2;
		this.starts = grown(this.starts, new Float64Array(size));
		this.lines = grown(this.lines, new Float64Array(size));
		this.acked = grown(this.acked, new Uint8Array(size));
		this.textStarts = grown(this.textStarts, new Float64Array(size + 1));
	}

	/** Room for `need` bytes, keeping the first `used`. */
	private growTexts(used: number, need: number): void {
		const texts = Buffer.allocUnsafe(Math.max(need, this.texts.length * 2));
		this.texts.copy(texts, 0, 0, used);
		this.texts = texts;
	}
}

function grown<T extends Float64Array | Uint8Array>(from: T, to: T): T {
	to.set(from);
	return to;
}
