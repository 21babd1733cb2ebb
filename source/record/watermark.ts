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
	// A queue of the pending hit lines, in line order: where each starts, its line number, acknowledged or not.
	private readonly starts: number[] = [];
	private readonly lines: number[] = [];
	private readonly acked: boolean[] = [];
	private readonly previousTexts: string[] = [];
	private head = 0;
	/** Sequence number of `starts[0]` (entries before it were dropped by compaction). */
	private base = 0;
	private doneOffset: number;
	private doneLines: number;
	private doneText: string;

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
	}

	/**
	 * A hit is pending for the line that starts at `startOffset` (the previous line's end, whose text is
	 * `previousText`) with number `lineNo`. Returns its sequence number for `ack`. Call `lineDone` for the line too.
	 */
	addHit(startOffset: number, lineNo: number, previousText: string): number {
		this.starts.push(startOffset);
		this.lines.push(lineNo);
		this.acked.push(false);
		this.previousTexts.push(previousText);
		return this.base + this.starts.length - 1;
	}

	ack(seq: number): void {
		const index = seq - this.base;
		if (index < 0 || index >= this.acked.length) return;
		this.acked[index] = true;
		while (this.head < this.acked.length && this.acked[this.head]) this.head++;
		// Compact now and then so the arrays do not grow with the file.
		if (this.head > 4096 && this.head * 2 > this.acked.length) {
			this.starts.splice(0, this.head);
			this.lines.splice(0, this.head);
			this.acked.splice(0, this.head);
			this.previousTexts.splice(0, this.head);
			this.base += this.head;
			this.head = 0;
		}
	}

	/** Line numbers of hits acknowledged after the watermark, as inclusive ranges (bounded by the backlog). */
	ackedAhead(): Array<[number, number]> {
		const ranges: Array<[number, number]> = [];
		for (let i = this.head; i < this.acked.length; i++) {
			if (!this.acked[i]) continue;
			const line = this.lines[i]!;
			const last = ranges.at(-1);
			if (last && last[1] === line - 1) last[1] = line;
			else ranges.push([line, line]);
		}

		return ranges;
	}

	get pending(): number {
		return this.acked.length - this.head;
	}

	position(): WatermarkPosition {
		if (this.head < this.acked.length) {
			return {offset: this.starts[this.head]!, lineNo: this.lines[this.head]!, lastLine: this.previousTexts[this.head]!};
		}

		return {offset: this.doneOffset, lineNo: this.doneLines, lastLine: this.doneText};
	}
}
