/**
 * What the run and a parse worker (parse-worker.ts) tell each other.
 *
 * The worker reads the input and splits it into batches of lines, which it posts at once ('lines': their ends and
 * texts); then it parses them in order and posts each result ('parsed'). The run takes the results in order. When
 * the next one is not ready, the run would wait: if it shares the parsing (when it has time to spare), it parses a
 * batch itself instead, one that neither has claimed yet. A claim is a compare-and-swap on a shared slot per batch,
 * so each batch is parsed exactly once, by whoever got there first, and the two threads share the parsing in
 * whatever ratio keeps both busy.
 */
import type {InputProblem, InputSpec} from '../input/types.js';
import type {ImportConfig} from '../options/config.js';
import type {SiteTarget} from '../track/tracking-request.js';
import type {ParsedBatch} from './parsed-batch.js';
import type {VisitorEvidenceState} from '../filter/bots/visitor-evidence-table.js';

export interface ParseWorkerData {
	config: ImportConfig;
	spec: InputSpec;
	/** The lines the run chose the format with. */
	sample: string[];
	/** Where to start: the end of the last line the run decided itself, its number and text. */
	startOffset: number;
	firstLineNo: number;
	previousLine: string;
	/** The site of every hit; undefined in a dry run without Matomo. */
	site: SiteTarget | undefined;
	/** False in a dry run: hits are counted, not sent. */
	buildRequests: boolean;
	batchLines: number;
	/** Batches the worker may read beyond the last one the run took. */
	readAhead: number;
	/** Batches read but not parsed yet that the worker keeps on offer (the run may take one). */
	onOffer: number;
	/** Int32 per batch slot (batch number modulo the length): 0 free, else who claimed it. */
	claims: SharedArrayBuffer;
	/** --bot-detection=behavior: the run's visitor evidence so far, which the worker goes on with (and gives back at the end). */
	evidence?: VisitorEvidenceState;
}

export const claimSlots = 64;
export const CLAIMED_BY_WORKER = 1;
export const CLAIMED_BY_RUN = 2;

/**
 * Claim batch `seq` for `who`; false when the other one has it. A slot holds the last batch claimed in it (and who),
 * never reset: the worker may come to a batch the run took long ago, after the run is done with it, and must still
 * see it as taken. Batches 64 apart share a slot; the worker reads at most `readAhead` (< 64) ahead of the run.
 */
export function claim(slots: Int32Array, seq: number, who: number): boolean {
	const index = seq % claimSlots;
	const current = Atomics.load(slots, index);
	if (current >> 2 >= seq + 1) return false;
	return Atomics.compareExchange(slots, index, current, ((seq + 1) << 2) | who) === current;
}

/** A parsed batch without its texts (the run has them from the 'lines' message). */
export type ParsedLines = Omit<ParsedBatch, 'texts' | 'textStarts' | 'textEnds'>;

export interface LinesMessage {
	type: 'lines';
	seq: number;
	firstLineNo: number;
	ends: Float64Array;
	oversized: number[] | undefined;
	texts: Uint8Array;
	textStarts: Uint32Array;
	textEnds: Uint32Array;
	/** All ASCII: the run can decode the lines from the texts exactly, so it may parse this batch itself. */
	ascii: boolean;
	bytesRead: number;
}

export type ParseWorkerMessage =
	| LinesMessage
	| {type: 'parsed'; seq: number; parsed: ParsedLines}
	| {type: 'end'; problems: InputProblem[]; bytesRead: number; batches: number; evidence?: VisitorEvidenceState}
	| {type: 'error'; message: string};

/** The run to the worker: the input to parse (once). */
export interface StartMessage {
	type: 'start';
	data: ParseWorkerData;
}

/** The run to the worker: how many batches it has taken so far, and the memory of those it is done with. */
export interface TakenMessage {
	type: 'taken';
	count: number;
	returned: ArrayBuffer[];
}
