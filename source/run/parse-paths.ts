/**
 * Where an input's lines are parsed: in the run's thread (small inputs, stdin, the sample, stages that need the run
 * for each hit) or in a parse worker for the rest of a big file. Both give ParsedBatch in line order, which the run
 * handles the same way (ParsedLines); this decides which, and keeps the worker started early for the first input.
 */
import {availableParallelism} from 'node:os';
import type {Worker} from 'node:worker_threads';
import type {ImportConfig} from '../options/config.js';
import type {Checks} from '../filter/checks.js';
import type {InputSpec, OpenedInput} from '../input/types.js';
import type {LineParser} from '../parse/format.js';
import {LineProcessor} from '../parse/line-processor.js';
import {BatchParser} from '../parse/parsed-batch.js';
import {parsedInWorker, startParseWorker, type WorkerSource} from '../parse/parsed-source.js';
import {processorOptionsOf} from '../parse/stage-options.js';
import type {QueryBuilder, SiteTarget} from '../track/tracking-request.js';
import type {BatchCursor} from './batch-cursor.js';
import type {VisitorEvidenceTable} from '../filter/bots/visitor-evidence-table.js';

/** The size from which an input is parsed in a worker (unless told otherwise). */
export const parseWorkerMinBytes = 4 * 1024 * 1024;

/** The per-line stage of one input. */
export interface LineStage {
	parser: BatchParser;
	/** The stage finishes each hit itself (its request built): a worker can do all of it. */
	completesHits: boolean;
	site: SiteTarget | undefined;
}

export interface ParsePathOptions {
	readonly config: ImportConfig;
	readonly checks: Checks;
	/** 'auto': big inputs only; 'always' (tests of the worker on small files); 'never'. */
	readonly parseWorker: 'auto' | 'always' | 'never';
	/** See ImportRunDeps.shareParsing; undefined: decided from the run. */
	readonly shareParsing: boolean | undefined;
	/** Lines per batch. */
	readonly batchLines: number;
	/**
	 * --bot-detection=behavior: the run's visitor evidence, which sees every parsed line; a parse worker takes it over
	 * for the rest of an input and gives it back (so the run's thread does not share the parsing: one table at a time).
	 */
	readonly evidence?: VisitorEvidenceTable;
}

/** What the choice needs of the run as it is once Matomo was asked for the sites. */
export interface ParsePathRun {
	/** The one site of every hit, when there is one. */
	readonly site: SiteTarget | undefined;
	/** Requests are built (not a dry run). */
	readonly queries: QueryBuilder | undefined;
	/** A Matomo to ask (a dry run may have one). */
	readonly hasMatomo: boolean;
}

export class ParsePaths {
	/** A parse worker started early for the first big input (its modules load while Matomo is checked). */
	private spareWorker: Worker | undefined;

	constructor(
		private readonly options: ParsePathOptions,
		private readonly run: ParsePathRun,
	) {}

	/** Start a worker now when the first big input will want one: plain hits to one site. */
	startEarly(sizes: ReadonlyArray<number | null | undefined>): void {
		if (!this.workerAllowed() || !this.stageCompletesHits(this.options.config.trackListeningTime)) return;
		if (this.options.parseWorker !== 'always' && !sizes.some(size => (size ?? 0) >= parseWorkerMinBytes)) return;
		this.spareWorker = startParseWorker();
		// Idle, it must not keep the program alive.
		this.spareWorker.unref();
	}

	/** The run is over: the spare worker, if unused, ends (before the process does). */
	async close(): Promise<void> {
		const worker = this.spareWorker;
		this.spareWorker = undefined;
		await worker?.terminate();
	}

	/**
	 * The per-line stage of an input: parse → hit → checks, and the tracking request when every hit goes to one site
	 * (then a worker can do all of it). Listening time, replay and sites by host need the run for each hit.
	 */
	lineStage(parser: LineParser, input: number, listening: boolean): LineStage {
		const {config} = this.options;
		const counters = {downloads: 0};
		const processor = new LineProcessor(
			parser,
			this.options.checks,
			counters,
			{...processorOptionsOf(config, listening), evidence: this.options.evidence},
			input,
		);
		const {site} = this.run;
		const completesHits = this.stageCompletesHits(listening);
		const batchParser = new BatchParser(processor, counters, {
			queries: this.run.queries,
			site,
			completeHits: completesHits,
			detailFiltered: config.debug >= 2,
			evidence: this.options.evidence,
		});
		return {parser: batchParser, completesHits, site};
	}

	/** A parse worker for the rest of a big input (a file, not stdin or follow mode), or undefined. */
	workerFor(spec: InputSpec, opened: OpenedInput, cursor: BatchCursor, sample: string[], stage: LineStage): WorkerSource | undefined {
		if (!this.workerAllowed() || spec.path === '-' || opened.size === null) return undefined;
		if (this.options.parseWorker !== 'always') {
			// Worth a thread when the input is big enough to pay for starting it. A dry run too: the run's thread then
			// keeps the count and the checkpoint while the worker parses.
			const left = opened.compression === 'none' ? opened.size - cursor.end : opened.size * 8;
			if (left < parseWorkerMinBytes) return undefined;
		}

		const worker = this.spareWorker ?? startParseWorker();
		this.spareWorker = undefined;
		worker.ref();
		const building = this.run.queries !== undefined;
		const {evidence} = this.options;
		const share = evidence === undefined && (this.options.shareParsing ?? (!building || availableParallelism() > 2));
		return parsedInWorker(
			worker,
			{
				config: this.options.config,
				spec,
				sample,
				startOffset: cursor.end,
				firstLineNo: cursor.nextLineNo,
				previousLine: stage.parser.previousLine,
				site: stage.site,
				buildRequests: building,
				// Small batches (the best measured, bench/profile.md). Shared: two read ahead on offer, for the run to take
				// one when it would wait, and up to 16 posted. Not shared: each parsed as soon as it is read (lines waiting
				// to be parsed outlive young-generation collections and get promoted), and up to 8 posted, enough for the
				// run's pauses (fewer made the worker wait).
				batchLines: this.options.batchLines,
				readAhead: share ? 16 : 8,
				onOffer: share ? 2 : 1,
				evidence: evidence?.state(),
			},
			stage.parser,
			share,
			state => evidence?.restore(state),
		);
	}

	/**
	 * Whether the line stage finishes each hit itself: one site for every hit (or, in a dry run without Matomo, none
	 * needed), no listening time, no replay; with bot detection by behaviour, not with --enable-bots (a bot's request
	 * is built once its reasons are known).
	 */
	private stageCompletesHits(listening: boolean): boolean {
		const {site} = this.run;
		return (
			!listening &&
			!(this.options.evidence && this.options.config.enableBots) &&
			(this.run.queries ? site !== undefined && !this.options.config.replayTracking : site !== undefined || !this.run.hasMatomo)
		);
	}

	/** What a parse worker needs of the whole run: allowed, and not following files. */
	private workerAllowed(): boolean {
		return this.options.parseWorker !== 'never' && !this.options.config.follow;
	}
}
