/** Where the reading of one input is: the last line handled, and the lines ahead a stopped run had acknowledged. */
import type {LineBatch} from '../input/types.js';

export interface BatchCursor {
	/** End offset of the last line handled, and the number of the next one. */
	end: number;
	nextLineNo: number;
	/** Lines after the resume point that the stopped run already had acknowledged. */
	ackedAhead: AckedLines | undefined;
}

/** Inclusive ranges of line numbers, asked in increasing order. */
export class AckedLines {
	private index = 0;
	constructor(private readonly ranges: ReadonlyArray<[number, number]>) {}

	has(line: number): boolean {
		while (this.index < this.ranges.length && this.ranges[this.index]![1] < line) this.index++;
		const range = this.ranges[this.index];
		return range !== undefined && range[0] <= line;
	}
}

/** The lines of `batch` from index `from` on. */
export function sliceBatch(batch: LineBatch, from: number): LineBatch {
	return {
		lines: batch.lines.slice(from),
		ends: batch.ends.slice(from),
		firstLineNo: batch.firstLineNo + from,
		oversized: batch.oversized?.filter(index => index >= from).map(index => index - from),
	};
}
