/**
 * Lines decided: what the per-line stage (parse → hit → checks → tracking request) hands to the run, for a batch of
 * lines, as flat arrays. It is built in a worker thread for the big inputs (see parse-worker.ts) and in the run's
 * own thread otherwise, so it is plain data that crosses threads by transfer: typed arrays and two byte buffers,
 * no object per line.
 *
 * - Every line: its end offset, its outcome (a hit, or the reason it was skipped), its text as UTF-8 bytes (the
 *   watermark keeps the text of the line before a checkpoint for its checksum; the checksum is over these bytes).
 * - Every hit whose tracking request could be built here (one site for all hits): the request as a bulk-body JSON
 *   entry, and the hash of its visitor (which recorder lane it goes to).
 * - Hits that need the run (site look-ups, listening time, replay): the hit itself, in-process only.
 * - With --bot-detection=behavior, every line's visitor evidence (see filter/bots/visitor-evidence-table.ts).
 */
import type {LineBatch} from '../input/types.js';
import type {Hit} from './hit.js';
import {skipReasonLabels, type SkipReason} from '../core/run-state.js';
import type {LineProcessor} from './line-processor.js';
import type {CheckCounters} from '../filter/checks.js';
import {entryLength, writeEntry} from '../record/hit-batch.js';
import {ipKey, userKey} from '../record/visitor-router.js';
import {siteDayKeys} from '../track/site-day.js';
import type {EvidenceColumns, VisitorEvidenceTable} from '../filter/bots/visitor-evidence-table.js';
import type {QueryBuilder, SiteTarget} from '../track/tracking-request.js';

/** The line is a hit with its request built (or, in a dry run, nothing more to do). */
export const HIT = 0;
/** The line is a hit the run finishes (`slow`). */
export const HIT_SLOW = 1;
const SKIP_BASE = 2;
/** Outcome code of each skip reason: SKIP_BASE + its index here. */
export const skipReasons = Object.keys(skipReasonLabels) as SkipReason[];

export function skipCode(reason: SkipReason): number {
	return SKIP_BASE + skipReasons.indexOf(reason);
}

export function skipReasonOf(code: number): SkipReason {
	return skipReasons[code - SKIP_BASE]!;
}

export interface LineDetail {
	/** Index of the line in the batch. */
	index: number;
	detail: string;
	/** The line as read (invalid lines are shown; with --debug 2 filtered ones are logged). */
	text: string;
}

export interface ParsedBatch extends EvidenceColumns {
	firstLineNo: number;
	count: number;
	/** Decompressed offset where each line ends. */
	ends: Float64Array;
	/** HIT, HIT_SLOW or a skip code. */
	outcomes: Uint8Array;
	/** 1 where the checks counted the line as a download (counters.downloads). */
	downloads: Uint8Array;
	/**
	 * The lines as UTF-8: `texts[textStarts[i + 1], textEnds[i + 1])` is line i, `texts[textStarts[0], textEnds[0])`
	 * the line before the batch (a hit's watermark entry needs the text of the line before it).
	 */
	texts: Buffer;
	textStarts: Uint32Array;
	textEnds: Uint32Array;
	/** Line i's request as a bulk JSON entry (`"?…",`) is `requests[requestStarts[i], requestStarts[i + 1])`. */
	requests: Buffer;
	requestStarts: Uint32Array;
	/** The visitor keys of each HIT line, its IP's and its user id's (see VisitorRouter: which recorder lane). */
	visitorHashes: Uint32Array;
	userHashes: Uint32Array;
	/** The key of each HIT line's site-day (the recorders' day gate; 0 without a site). */
	dayKeys: Float64Array;
	/** Lines skipped with something to say: every invalid line; with --debug 2, every filtered one. */
	details: LineDetail[];
	/** HIT_SLOW lines (in-process only). */
	slow: Array<{index: number; hit: Hit; listenSeconds?: number}>;
	/** Raw bytes of the input consumed when the batch was made (compressed bytes for .gz/.bz2). */
	bytesRead: number;
}

export interface BatchParserOptions {
	/** Builds the requests; undefined in a dry run (a hit is counted, not sent). */
	queries: QueryBuilder | undefined;
	/** The site of every hit (--idsite), or none needed (a dry run without Matomo); undefined: the run resolves sites. */
	site: SiteTarget | undefined;
	/** Whether hits are finished here (one site for all, or none needed; no listening time, no replay); else each is left to the run. */
	completeHits: boolean;
	/** --debug 2: give the detail and text of every filtered line too. */
	detailFiltered: boolean;
	/** Where a worker takes the memory of its batches (to be transferred, then given back); else plain allocations. */
	pool?: BufferPool;
	/** --bot-detection=behavior: the table the line processor observes each line in, which writes the batch's evidence. */
	evidence?: VisitorEvidenceTable;
}

/** Decides the lines of one input, batch by batch, in order. */
/** The arrays of a parsed batch that the worker's pool lends (transferred to the run, given back when it is done). */
export function pooledArrays(
	parsed: Pick<
		ParsedBatch,
		'ends' | 'outcomes' | 'downloads' | 'requests' | 'requestStarts' | 'visitorHashes' | 'userHashes' | 'dayKeys' | 'botSlots' | 'botBits' | 'botSeconds'
	>,
): ArrayBufferView[] {
	return [
		parsed.ends,
		parsed.outcomes,
		parsed.downloads,
		parsed.requests,
		parsed.requestStarts,
		parsed.visitorHashes,
		parsed.userHashes,
		parsed.dayKeys,
		parsed.botSlots,
		parsed.botBits,
		parsed.botSeconds,
	];
}

export class BatchParser {
	private previous = '';

	/** The day key of a hit's time at the one site of every hit (made once: the per-hit path has no look-up). */
	private readonly dayKeyOf: ((seconds: number) => number) | undefined;

	constructor(
		private readonly processor: LineProcessor,
		/** The counters the processor's checks count downloads in: a line's download is noticed by the change. */
		private readonly counters: CheckCounters,
		private readonly options: BatchParserOptions,
	) {
		const {site} = options;
		this.dayKeyOf = site === undefined ? undefined : siteDayKeys(site.idsite, site.timezone);
	}

	/** The text of the line before the next batch: where a parse worker takes over, after lines not parsed here. */
	get previousLine(): string {
		return this.previous;
	}

	set previousLine(text: string) {
		this.previous = text;
	}

	/**
	 * Decide the lines of a batch. `texts`: the batch's texts when they were made already (by the worker that read
	 * the lines); else they are made here, after the previous batch's last line.
	 */
	parse(batch: LineBatch, bytesRead: number, texts?: BatchTexts): ParsedBatch {
		const {lines, ends: lineEnds, firstLineNo} = batch;
		const count = lines.length;
		const {queries, site, completeHits, detailFiltered} = this.options;
		const {dayKeyOf} = this;
		const {pool} = this.options;
		const ends = float64s(count, pool);
		const outcomes = bytes(count, pool);
		const downloads = bytes(count, pool).fill(0);
		const requestStarts = uint32s(count + 1, pool);
		const visitorHashes = uint32s(count, pool);
		const userHashes = uint32s(count, pool);
		const dayKeys = float64s(count, pool);
		const {evidence} = this.options;
		// Without bot detection by behaviour, empty (each its own: a worker transfers them).
		const columns: EvidenceColumns = {
			botSlots: evidence ? uint32s(count, pool) : new Uint32Array(0),
			botBits: evidence ? uint16s(count, pool).fill(0) : new Uint16Array(0),
			botSeconds: evidence ? float64s(count, pool) : new Float64Array(0),
			botFound: [],
			botLevels: {reference: 0, modern: 0},
		};
		if (evidence) evidence.columns = columns;
		const details: LineDetail[] = [];
		const slow: ParsedBatch['slow'] = [];
		const oversized = batch.oversized ? new Set(batch.oversized) : undefined;

		if (texts === undefined) {
			texts = batchTexts(this.previous, lines, pool);
			if (count > 0) this.previous = lines[count - 1]!;
		}

		let requests = this.alloc(queries && completeHits ? count * 160 + 1024 : 0);
		let requestAt = 0;
		const counters = this.counters;

		for (let i = 0; i < count; i++) {
			const line = lines[i]!;
			const end = lineEnds[i]!;
			ends[i] = end;
			requestStarts[i] = requestAt;

			if (oversized?.has(i)) {
				outcomes[i] = skipCode('invalid');
				details.push({index: i, detail: 'line too long', text: line});
				continue;
			}

			const downloadsBefore = counters.downloads;
			if (evidence) evidence.line = i;
			const outcome = this.processor.process(line, firstLineNo + i, end);
			if (counters.downloads !== downloadsBefore) downloads[i] = 1;
			if (outcome.kind === 'skip') {
				outcomes[i] = skipCode(outcome.reason);
				if (outcome.reason === 'invalid' || detailFiltered) details.push({index: i, detail: outcome.detail ?? outcome.reason, text: line});
				continue;
			}

			const {hit} = outcome;
			// The hold's clock (the evidence reads the date of pages only; a hit may be a static file).
			if (evidence) columns.botSeconds[i] = hit.seconds;
			if (!completeHits || outcome.listenSeconds !== undefined) {
				outcomes[i] = HIT_SLOW;
				slow.push({index: i, hit, listenSeconds: outcome.listenSeconds});
				continue;
			}

			outcomes[i] = HIT;
			visitorHashes[i] = ipKey(hit.ip);
			userHashes[i] = userKey(hit.args?.uid);
			dayKeys[i] = dayKeyOf === undefined ? 0 : dayKeyOf(hit.seconds);
			if (queries) {
				const query = queries.build(hit, site!);
				const need = requestAt + entryLength(query);
				if (need > requests.length) requests = this.grow(requests, requestAt, need + count * 160);
				requestAt = writeEntry(requests, requestAt, query);
			}
		}

		requestStarts[count] = requestAt;
		if (evidence) evidence.columns = undefined;
		return {
			...columns,
			firstLineNo,
			count,
			ends,
			outcomes,
			downloads,
			texts: texts.texts,
			textStarts: texts.textStarts,
			textEnds: texts.textEnds,
			requests,
			requestStarts,
			visitorHashes,
			userHashes,
			dayKeys,
			details,
			slow,
			bytesRead,
		};
	}

	private alloc(size: number): Buffer {
		return buffer(size, this.options.pool);
	}

	private grow(buffer: Buffer, used: number, need: number): Buffer {
		const grown = this.alloc(Math.max(need, buffer.length * 2));
		buffer.copy(grown, 0, 0, used);
		this.options.pool?.give([buffer.buffer as ArrayBuffer]);
		return grown;
	}
}

/** A batch's lines as UTF-8 (see ParsedBatch.texts). */
export interface BatchTexts {
	texts: Buffer;
	textStarts: Uint32Array;
	textEnds: Uint32Array;
	/** Every line is ASCII: the bytes are the lines exactly (latin1 gives them back), whatever the encoding. */
	ascii: boolean;
}

/**
 * The line before a batch and the batch's lines as UTF-8, separated by newlines, and where each is. Written in one
 * go (a joined string is one native copy) when it is all ASCII, which equal byte and character counts tell; else
 * line by line.
 */
export function batchTexts(previous: string, lines: readonly string[], pool?: BufferPool): BatchTexts {
	const count = lines.length;
	const textStarts = uint32s(count + 1, pool);
	const textEnds = uint32s(count + 1, pool);
	// Pooled memory is not zeroed.
	textStarts[0] = 0;
	// The lines joined are one flat string (one native copy); the line before is written on its own, not prepended,
	// which would be a second copy of the whole batch.
	const joined = lines.join('\n');
	const previousSize = Buffer.byteLength(previous, 'utf8');
	const joinedSize = Buffer.byteLength(joined, 'utf8');
	const size = previousSize + 1 + joinedSize;
	const texts = buffer(size, pool);
	const ascii = previousSize === previous.length && joinedSize === joined.length;
	if (ascii) {
		texts.write(previous, 0, 'latin1');
		texts[previousSize] = 0x0a;
		texts.write(joined, previousSize + 1, 'latin1');
		let at = previous.length;
		textEnds[0] = at;
		for (let i = 0; i < count; i++) {
			textStarts[i + 1] = ++at;
			at += lines[i]!.length;
			textEnds[i + 1] = at;
		}
	} else {
		let at = texts.write(previous, 0, 'utf8');
		textEnds[0] = at;
		for (let i = 0; i < count; i++) {
			texts[at++] = 0x0a;
			textStarts[i + 1] = at;
			at += texts.write(lines[i]!, at, 'utf8');
			textEnds[i + 1] = at;
		}
	}

	return {texts, textStarts, textEnds, ascii};
}

/**
 * The memory of a worker's batches. Each batch's buffers go to the run's thread (transferred: moved, not copied),
 * which gives them back once it is done with the batch. Without this every batch is fresh memory that the run's
 * garbage collector frees only when it gets round to it: tens of MB at any moment, at hundreds of MB/s.
 */
export class BufferPool {
	private readonly free: ArrayBuffer[] = [];

	take(size: number): ArrayBuffer {
		const {free} = this;
		for (let i = free.length - 1; i >= 0; i--) {
			const candidate = free[i]!;
			// Big enough, and not so big that a small request would hold it.
			if (candidate.byteLength >= size && candidate.byteLength <= size * 4 + 4096) {
				free[i] = free[free.length - 1]!;
				free.pop();
				return candidate;
			}
		}

		return Buffer.allocUnsafeSlow(Math.max(size, 256)).buffer as ArrayBuffer;
	}

	give(buffers: readonly ArrayBuffer[]): void {
		for (const candidate of buffers) if (candidate.byteLength > 0 && this.free.length < 128) this.free.push(candidate);
	}
}

function buffer(size: number, pool: BufferPool | undefined): Buffer {
	return pool ? Buffer.from(pool.take(size), 0, size) : Buffer.allocUnsafe(size);
}

function bytes(count: number, pool: BufferPool | undefined): Uint8Array {
	return pool ? new Uint8Array(pool.take(count), 0, count) : new Uint8Array(count);
}

function uint32s(count: number, pool: BufferPool | undefined): Uint32Array {
	return pool ? new Uint32Array(pool.take(count * 4), 0, count) : new Uint32Array(count);
}

function uint16s(count: number, pool: BufferPool | undefined): Uint16Array {
	return pool ? new Uint16Array(pool.take(count * 2), 0, count) : new Uint16Array(count);
}

function float64s(count: number, pool: BufferPool | undefined): Float64Array {
	return pool ? new Float64Array(pool.take(count * 8), 0, count) : new Float64Array(count);
}
