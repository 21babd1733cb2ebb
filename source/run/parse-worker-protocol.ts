/** What the run and a parse worker (parse-worker.ts) tell each other. */
import type {InputProblem, InputSpec} from '../input/types.js';
import type {ImportConfig} from '../options/config.js';
import type {SiteTarget} from '../track/tracking-request.js';
import type {ParsedBatch} from './parsed-batch.js';

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
	detailFiltered: boolean;
	batchLines: number;
	/** Batches the worker may parse before the run took them. */
	readAhead: number;
}

export type ParseWorkerMessage =
	| {type: 'batch'; parsed: ParsedBatch}
	| {type: 'end'; problems: InputProblem[]; bytesRead: number}
	| {type: 'error'; message: string};
