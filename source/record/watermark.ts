/**
 * The checkpoint watermark of one input (design notes, invariant 3): the offset of the end of the last line before
 * the first line whose hit Matomo has not acknowledged yet. Filtered and invalid lines count as done. Hits are
 * acknowledged out of order (lanes run concurrently); the watermark only moves forward.
 */
import {grown} from '../core/typed-arrays.js';
export interface WatermarkPosition {
	/** Decompressed byte offset: everything before it is done. */
	offset: number;
	/** Number of lines before `offset`. */
	lineNo: number;
	/** Text of the line that ends at `offset` (its checksum lets a resume verify the file is the same). */
	lastLine: string;
}

const initialEntries = 64;
const initialTextBytes = 8 * 1024;

export class InputWatermark {
	// The pending hit lines, in line order, in typed arrays: they wait for Matomo long enough that, as JS objects
	// and strings, the garbage collector would copy and promote every one of them. The text of the line before each
	// is kept as UTF-8 bytes in `texts` (copied: the batch they came from goes back to the parse worker).
	// `head` is the first not acknowledged; entries before `head` are dropped by compaction now and then.
	// Empty until a hit waits, grown as hits wait, and given up whenever none waits: a run over thousands of small
	// files keeps a watermark per file, and what they hold must not add up.
	private starts = new Float64Array(0);
	private lines = new Float64Array(0);
	private acked = new Uint8Array(0);
	/** Where each entry's previous-line text starts in `texts`; the next entry's start is where it ends. */
	private textStarts = new Float64Array(1);
	private texts = Buffer.alloc(0);
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
	/** Counts every change: whoever saves checkpoints knows by it that nothing moved since it last looked. */
	private changes = 0;

	constructor(start: WatermarkPosition = {offset: 0, lineNo: 0, lastLine: ''}) {
		this.doneOffset = start.offset;
		this.doneLines = start.lineNo;
		this.doneText = start.lastLine;
	}

	/** A line was read and decided without a hit (skipped, invalid) — or, for `hit`, became a pending hit. */
	lineDone(endOffset: number, lineNo: number, text: string): void {
		this.changes++;
		this.doneOffset = endOffset;
		this.doneLines = lineNo + 1;
		this.doneText = text;
		this.doneBytes = undefined;
	}

	/** `lineDone` with the line's text as UTF-8 bytes `texts[from, to)`, kept by reference until `pinDoneText`. */
	lineDoneBytes(endOffset: number, lineNo: number, texts: Buffer, from: number, to: number): void {
		this.changes++;
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
		// UTF-8 takes at most 3 bytes per UTF-16 unit; the checksum is over these bytes (lone surrogates: EF BF BD).
		const i = this.entry(startOffset, lineNo, previousText.length * 3);
		const at = this.textStarts[i]!;
		this.textStarts[i + 1] = at + this.texts.write(previousText, at, 'utf8');
		return this.base + i;
	}

	/** `addHit` with the previous line's text as UTF-8 bytes `texts[from, to)` (copied). */
	addHitBytes(startOffset: number, lineNo: number, texts: Buffer, from: number, to: number): number {
		const i = this.entry(startOffset, lineNo, to - from);
		const at = this.textStarts[i]!;
		texts.copy(this.texts, at, from, to);
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
		this.changes++;
		const index = seq - this.base;
		if (index < 0 || index >= this.count) return;
		this.acked[index] = 1;
		while (this.head < this.count && this.acked[this.head] === 1) this.head++;
		if (this.head === this.count) this.empty();
	}

	/** Nothing waits: the entries are dropped, and buffers grown for a backlog given back. */
	private empty(): void {
		this.base += this.count;
		this.count = 0;
		this.head = 0;
		this.textStarts[0] = 0;
		if (this.acked.length > 0) {
			this.starts = new Float64Array(0);
			this.lines = new Float64Array(0);
			this.acked = new Uint8Array(0);
			this.textStarts = new Float64Array(1);
		}

		if (this.texts.length > 0) this.texts = Buffer.alloc(0);
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

	/** Changes so far (lines done, hits added or acknowledged). */
	get version(): number {
		return this.changes;
	}

	get pending(): number {
		return this.count - this.head;
	}

	/** Bytes the watermark holds for its pending hits (their typed arrays and texts). */
	get retainedBytes(): number {
		return this.starts.byteLength + this.lines.byteLength + this.acked.byteLength + this.textStarts.byteLength + this.texts.length;
	}

	position(): WatermarkPosition {
		const i = this.head;
		if (i < this.count) {
			return {
				offset: this.starts[i]!,
				lineNo: this.lines[i]!,
				lastLine: this.texts.toString('utf8', this.textStarts[i]!, this.textStarts[i + 1]!),
			};
		}

		const lastLine = this.doneText ?? this.doneBytes?.toString('utf8', this.doneFrom, this.doneTo) ?? '';
		return {offset: this.doneOffset, lineNo: this.doneLines, lastLine};
	}

	/** A new entry, with room for `textBytes` bytes of its previous line's text. */
	private entry(startOffset: number, lineNo: number, textBytes: number): number {
		this.changes++;
		if (this.count === this.acked.length || this.textStarts[this.count]! + textBytes > this.texts.length) this.makeRoom(textBytes);
		const i = this.count;
		this.starts[i] = startOffset;
		this.lines[i] = lineNo;
		this.acked[i] = 0;
		this.count = i + 1;
		return i;
	}

	/**
	 * Room for one more entry and `textBytes` bytes of text. Entries before `head` are dropped when they are at least
	 * half. Texts are kept only for hits not acknowledged yet: an acknowledged hit is never the first pending one, so
	 * its text is never asked for. That matters when one lane is slow: `head` waits for its hits while the other
	 * lanes' hits behind it are acknowledged by the thousand.
	 */
	private makeRoom(textBytes: number): void {
		const {head, count} = this;
		if (head > 0 && head * 2 >= count) {
			const textFrom = this.textStarts[head]!;
			this.starts.copyWithin(0, head, count);
			this.lines.copyWithin(0, head, count);
			this.acked.copyWithin(0, head, count);
			this.texts.copyWithin(0, textFrom, this.textStarts[count]!);
			for (let i = head; i <= count; i++) this.textStarts[i - head] = this.textStarts[i]! - textFrom;
			this.base += head;
			this.count -= head;
			this.head = 0;
		}

		if (this.count === this.acked.length) {
			const size = Math.max(initialEntries, this.acked.length * 2);
			this.starts = grown(this.starts, new Float64Array(size));
			this.lines = grown(this.lines, new Float64Array(size));
			this.acked = grown(this.acked, new Uint8Array(size));
			this.textStarts = grown(this.textStarts, new Float64Array(size + 1));
		}

		if (this.textStarts[this.count]! + textBytes <= this.texts.length) return;
		this.compactTexts();
		// Grown when still more than three quarters full: compactions (a pass over the entries) then come at most once
		// per quarter of a buffer of new text.
		const used = this.textStarts[this.count]!;
		if (used + textBytes > this.texts.length * 0.75) {
			const texts = Buffer.allocUnsafe(Math.max(initialTextBytes, used + textBytes, Math.ceil(this.texts.length * 1.5)));
			this.texts.copy(texts, 0, 0, used);
			this.texts = texts;
		}
	}

	/** Keep the texts of the hits not acknowledged, in order, at the start of `texts`; the others become empty. */
	private compactTexts(): void {
		const {textStarts, acked, texts} = this;
		let at = 0;
		for (let i = 0; i < this.count; i++) {
			const from = textStarts[i]!;
			const to = textStarts[i + 1]!;
			textStarts[i] = at;
			if (i >= this.head && acked[i] === 0) {
				texts.copyWithin(at, from, to);
				at += to - from;
			}
		}

		textStarts[this.count] = at;
	}
}
