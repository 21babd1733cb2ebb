/**
 * Bytes → lines with offsets: the hottest loop of the program.
 *
 * Python's universal newlines: `\n`, `\r\n` and a lone `\r` each end a line and are removed; a final line without
 * terminator counts; a file ending in a terminator has no extra empty line. Offsets are in the decompressed stream.
 *
 * Speed comes from doing the per-chunk work once per chunk: one `indexOf(13)` decides whether the chunk needs the CR
 * logic at all, one `isAscii`/`isUtf8` scan picks the string constructor for every complete line in the chunk. Per
 * line there is only an `indexOf(10)`, the string, and the end offset.
 */
import type {LineBatch, OpenedInput} from './types.js';
import {createLineDecoder, type DecodeRange} from './encoding.js';

export {decodeUtf8Surrogateescape, normaliseEncoding} from './encoding.js';

export interface ReadLinesOptions {
	/** A Python codec name (`--encoding`); default `utf8` (with surrogateescape, BOM kept). */
	encoding?: string;
	/** Line number of the first line delivered (resume); default 0. */
	firstLineNo?: number;
	/** Decompressed offset of the first byte delivered (resume); default 0. */
	baseOffset?: number;
	/** Longer lines are cut to this many bytes and listed in `oversized`; default 1 MiB. */
	maxLineBytes?: number;
	/** Lines per batch; default 2048. */
	batchLines?: number;
}

const LF = 10;
const CR = 13;

export async function* readLines(input: OpenedInput, options: ReadLinesOptions = {}): AsyncGenerator<LineBatch> {
	const decoder = createLineDecoder(options.encoding ?? 'utf8');
	const decodeAny = decoder.decode;
	const maxLineBytes = Math.max(1, options.maxLineBytes ?? 1024 * 1024);
	const batchLines = Math.max(1, options.batchLines ?? 2048);
	const baseOffset = options.baseOffset ?? 0;
	// A BOM only exists at the very start of the stream, never at a resume point.
	let stripBom = decoder.stripBom && baseOffset === 0;

	let lines: string[] = [];
	let ends: number[] = [];
	let oversized: number[] | undefined;
	let batchFirst = options.firstLineNo ?? 0;

	const takeBatch = (): LineBatch => {
		if (stripBom) {
			stripBom = false;
			if (lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1);
		}
		const batch: LineBatch = oversized === undefined ? {lines, ends, firstLineNo: batchFirst} : {lines, ends, firstLineNo: batchFirst, oversized};
		batchFirst += lines.length;
		lines = [];
		ends = [];
		oversized = undefined;
		return batch;
	};

	// The start of a line that continues in the next chunk. Only its first `maxLineBytes` bytes are kept (copied,
	// so that the chunk itself can be freed), however long the line is: a 50 MB line costs at most 1 MiB here.
	let carry = Buffer.allocUnsafe(Math.min(64 * 1024, maxLineBytes));
	let carryLen = 0;
	/** Bytes of the pending line seen so far, kept or not. */
	let carryBytes = 0;
	/** The pending line ended with a CR at the end of the previous chunk: it is complete, but a LF may follow. */
	let pendingCR = false;

	const appendCarry = (buf: Buffer, start: number, end: number): void => {
		const take = Math.min(end - start, maxLineBytes - carryLen);
		if (take > 0) {
			if (carryLen + take > carry.length) {
				const grown = Buffer.allocUnsafe(Math.min(maxLineBytes, Math.max(carry.length * 2, carryLen + take)));
				carry.copy(grown, 0, 0, carryLen);
				carry = grown;
			}
			buf.copy(carry, carryLen, start, start + take);
			carryLen += take;
		}
		carryBytes += end - start;
	};

	const pushCarry = (end: number): void => {
		if (carryBytes > maxLineBytes) (oversized ??= []).push(lines.length);
		lines.push(decodeAny(carry, 0, carryLen));
		ends.push(end);
		carryLen = 0;
		carryBytes = 0;
	};

	let chunkBase = baseOffset;
	for await (const chunk of input.chunks) {
		const len = chunk.length;
		if (len === 0) continue;
		let pos = 0;
		// The first CR of the chunk; -1 means the fast LF-only loop is enough for the whole chunk.
		let cr = chunk.indexOf(CR);

		// 1. Finish the line carried over from the previous chunk.
		if (pendingCR) {
			pendingCR = false;
			if (chunk[0] === LF) pos = 1;
			pushCarry(chunkBase + pos);
		} else if (carryBytes > 0) {
			const lf = chunk.indexOf(LF);
			const term = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
			if (term === -1) {
				appendCarry(chunk, 0, len);
				chunkBase += len;
				continue;
			}
			appendCarry(chunk, 0, term);
			if (term === cr && term + 1 === len) {
				pendingCR = true;
				chunkBase += len;
				continue;
			}
			pos = term + (term === cr && chunk[term + 1] === LF ? 2 : 1);
			pushCarry(chunkBase + pos);
		}
		if (lines.length >= batchLines) yield takeBatch();

		// 2. The complete lines of this chunk, all decoded by the one decoder that is right for all of them.
		const lastTerm = cr === -1 ? chunk.lastIndexOf(LF) : Math.max(chunk.lastIndexOf(LF), chunk.lastIndexOf(CR));
		if (lastTerm >= pos) {
			const decode: DecodeRange = decoder.forRegion(chunk, pos, lastTerm);
			if (cr !== -1 && cr < pos) cr = chunk.indexOf(CR, pos);
			if (cr === -1) {
				// Hot loop: LF only.
				let nl: number;
				while ((nl = chunk.indexOf(LF, pos)) !== -1) {
					if (nl - pos <= maxLineBytes) lines.push(decode(chunk, pos, nl));
					else {
						(oversized ??= []).push(lines.length);
						lines.push(decodeAny(chunk, pos, pos + maxLineBytes));
					}
					pos = nl + 1;
					ends.push(chunkBase + pos);
					if (lines.length >= batchLines) yield takeBatch();
				}
			} else {
				// LF, CRLF and lone CR: track the next of each and take the nearer one.
				let lf = chunk.indexOf(LF, pos);
				for (;;) {
					let term: number;
					let next: number;
					if (lf !== -1 && (cr === -1 || lf < cr)) {
						term = lf;
						next = lf + 1;
						lf = chunk.indexOf(LF, next);
					} else if (cr !== -1) {
						term = cr;
						if (cr + 1 === len) {
							// A CR at the end of the chunk: whether it is a CRLF is decided by the next chunk.
							appendCarry(chunk, pos, cr);
							pendingCR = true;
							pos = len;
							break;
						}
						if (chunk[cr + 1] === LF) {
							next = cr + 2;
							lf = chunk.indexOf(LF, next);
						} else next = cr + 1;
						cr = chunk.indexOf(CR, next);
					} else break;
					if (term - pos <= maxLineBytes) lines.push(decode(chunk, pos, term));
					else {
						(oversized ??= []).push(lines.length);
						lines.push(decodeAny(chunk, pos, pos + maxLineBytes));
					}
					pos = next;
					ends.push(chunkBase + pos);
					if (lines.length >= batchLines) yield takeBatch();
				}
			}
		}

		// 3. The start of the next line.
		if (pos < len) appendCarry(chunk, pos, len);
		chunkBase += len;
	}

	// A final line without terminator counts, unless reading stopped on a problem: then it was cut by the damage
	// (a truncated .gz), not by the writer, and delivering half a line would import half a request.
	if (pendingCR || carryBytes > 0) {
		if (pendingCR || !input.problems?.length) pushCarry(chunkBase);
	}
	if (lines.length > 0) yield takeBatch();
}
