/**
 * One import run: inputs → format → lines → hits → sites → recorders → Matomo, with the run state the views read.
 * It knows nothing of Ink or of the terminal: the TUI and the headless reporter render `snapshot()`.
 */
import {availableParallelism} from 'node:os';
import type {ImportConfig} from '../options/config.js';
import {w3cHeaderLength} from '../parse/detect.js';
import {chooseFormat, checkFormatForSites} from '../parse/choose-format.js';
import {follow} from './follow.js';
import {RunError} from './run-error.js';
import {isCi} from '../options/environment.js';
import {compileChecks, type Checks} from '../filter/checks.js';
import {expandInputs} from '../input/expand-inputs.js';
import {openInput} from '../input/open-input.js';
import {readLines} from '../input/line-reader.js';
import type {InputProblem, InputSpec, LineBatch, OpenedInput} from '../input/types.js';
import type {LineParser} from '../parse/format.js';
import {LineProcessor} from './line-processor.js';
import {BatchParser, HIT, HIT_SLOW, skipReasonOf, type ParsedBatch} from './parsed-batch.js';
import {parsedInWorker, startParseWorker, type WorkerSource} from './parsed-source.js';
import type {Worker} from 'node:worker_threads';
import {processorOptionsOf, requestOptionsOf} from './stage-options.js';
import {createInputProgress, createRunState, nextSampleSeq, pushRing, snapshotRunState, type InputProgress, type RunState, type SkipReason} from './run-state.js';
import {QueryBuilder, toQueryString, type RequestOptions, type SiteTarget} from '../track/tracking-request.js';
import {replayVisitorId} from '../track/replay.js';
import {createHostResolver, createReplayResolver, createStaticResolver, type SiteApi, type SiteResolver} from '../track/sites.js';
import {Recorders, type BulkSender, type HitBatch} from '../record/recorders.js';
import {InputWatermark} from '../record/watermark.js';
import {BotStage, type BotStageRun} from './bot-stage.js';
import {Checkpoints, scopedStatePath} from '../record/checkpoints.js';
import type {CheckpointEntry} from '../record/checkpoint-store.js';
import type {Hit} from '../parse/hit.js';
import fsPromises from 'node:fs/promises';
import {listenFromHit, listeningRequests, listeningTimeFormats} from '../track/listening-time.js';
import {ReorderWindow} from '../track/reorder-window.js';
import {ListeningStats} from '../report/listening-stats.js';

/** What the run needs from Matomo: API calls and bulk tracking (the Matomo client, or a test's). */
export type MatomoConnection = SiteApi & BulkSender;

export {RunError} from './run-error.js';

export interface ImportRunDeps {
	/** Absent: an offline dry run (no --url). */
	matomo?: MatomoConnection;
	/** Where the engine writes its log lines (debug, notices as they happen). Default: nowhere. */
	log?: (message: string) => void;
	/**
	 * Parse big inputs in a worker thread (`auto`, the default: files of a few MB and more), always when possible
	 * (tests of the worker on small files), or never.
	 */
	parseWorker?: 'auto' | 'always' | 'never';
	/**
	 * Whether the run's thread parses batches of the worker's when it would wait. Default: in a dry run (the thread
	 * has nothing else to do: 1M lines 1.2 → 0.9 s), and with more than 2 cores; not on 2 cores while importing, where
	 * the requests (and often Matomo itself) keep the second core busy, and the batches parsed would only grow the
	 * thread's heap (5 MB).
	 */
	shareParsing?: boolean;
}

export interface RunOutcome {
	state: RunState;
	/** 0 done, 1 failed or some input unreadable, 130/143 stopped by a signal. */
	exitCode: number;
	/** --dump-log-regex output, when asked. */
	dump?: string;
}

/**
 * Lines per batch. Small: the lines of the batch being handled are what survives a young-generation collection
 * (copied, then promoted), and the young generation is small (cli.ts). Measured on 1M lines: dry run 1.6 s with
 * 2,048, 1.2 s with 256.
 */
const batchLines = 256;

/** The size from which an input is parsed in a worker (unless told otherwise). */
const parseWorkerMinBytes = 4 * 1024 * 1024;

/** How many lines are read before the format of an input is chosen. */
const detectionSampleLines = 1000;

export class ImportRun {
	readonly state: RunState;
	private readonly config: ImportConfig;
	private readonly deps: ImportRunDeps;
	private readonly checks: Checks;
	private recorders: Recorders | undefined;
	private resolver: SiteResolver | undefined;
	private readonly watermarks = new Map<number, InputWatermark>();
	private paused: {promise: Promise<void>; resolve: () => void} | undefined;
	private stopRequested: 'graceful' | 'abandon' | undefined;
	private stopSignalCode = 0;
	private fatal: string | undefined;
	private validLines = 0;
	private skipRemaining: number;
	private readonly requestOptions: RequestOptions;
	private readonly queries: QueryBuilder;
	private current: OpenedInput | undefined;
	private checkpoints: Checkpoints | undefined;
	private stopTimer: NodeJS.Timeout | undefined;
	/** Inputs read only up to damage (truncated .gz/.bz2, a read error). */
	private damagedInputs = 0;
	/** Ends the wait between two follow-mode polls. */
	private wakeFollow: (() => void) | undefined;
	/** --track-listening-time: statistics per mount, and requests put back in time order (lines come at disconnect). */
	private readonly listeningStats: ListeningStats | undefined;
	private readonly reorder: ReorderWindow<ReorderedRequest> | undefined;
	/** Requests still unacknowledged of each line that made several (listening time), by part id. */
	private readonly parts = new Map<number, number>();
	private lastPartId = 0;
	/** A parse worker started early for the first big input (its modules load while Matomo is checked). */
	private spareWorker: Worker | undefined;
	/** --bot-detection=behavior: sees every line, holds each hit until its visitor's verdict. */
	private readonly bots: BotStage | undefined;

	constructor(config: ImportConfig, deps: ImportRunDeps = {}) {
		this.config = config;
		this.deps = deps;
		this.state = createRunState(config.dryRun);
		this.skipRemaining = config.skip;
		this.checks = compileChecks({...config, replayTracking: config.replayTracking});
		this.requestOptions = requestOptionsOf(config);
		this.queries = new QueryBuilder(this.requestOptions);
		if (config.trackListeningTime) {
			this.listeningStats = new ListeningStats();
			// A day: Icecast writes a line when a listener leaves, so a long listen's start comes hours "late".
			this.reorder = new ReorderWindow({windowSeconds: 24 * 3600, maxItems: 200_000});
		}

		if (config.botDetection === 'behavior') this.bots = new BotStage(config, this.botStageRun());
	}

	/** What the bot stage may use of the run (it adds released hits to the recorders, acknowledges dropped ones). */
	private botStageRun(): BotStageRun {
		const run = this;
		return {
			state: this.state,
			get recorders() {
				return run.recorders;
			},
			queries: this.queries,
			watermark: input => this.watermarks.get(input),
			changed: () => this.checkpoints?.changed(),
		};
	}

	snapshot(): RunState {
		this.updateListening();
		return snapshotRunState(this.state);
	}

	private updateListening(): void {
		if (this.listeningStats) this.state.listening = {mounts: this.listeningStats.summary(), total: this.listeningStats.total()};
	}

	/** Pause reading (in-flight requests go on). */
	pause(): void {
		if (this.paused || this.state.phase !== 'running') return;
		let resolve!: () => void;
		const promise = new Promise<void>(r => {
			resolve = r;
		});
		this.paused = {promise, resolve};
		this.state.phase = 'paused';
	}

	resume(): void {
		if (!this.paused) return;
		this.paused.resolve();
		this.paused = undefined;
		if (this.state.phase === 'paused') this.state.phase = 'running';
	}

	/**
	 * Stop reading. Graceful: the batches queued and in flight are finished (the checkpoint then covers them).
	 * Abandon (second Ctrl+C): in-flight requests are cut; what was not acknowledged is read again on resume.
	 */
	stop(mode: 'graceful' | 'abandon' = 'graceful', exitCode = 130): void {
		if (this.stopRequested === 'abandon') return;
		this.stopRequested = mode;
		this.stopSignalCode = exitCode;
		this.wakeFollow?.();
		this.resume();
		if (this.state.phase === 'running' || this.state.phase === 'paused') this.state.phase = 'stopping';
		if (mode === 'abandon') {
			this.recorders?.stop(true);
			void this.current?.close();
			return;
		}

		// Graceful, but bounded: requests still unanswered after the grace period are abandoned (their lines are read
		// again on resume), so a Matomo that hangs cannot hold the stop up to --request-timeout.
		this.stopTimer ??= setTimeout(() => this.stop('abandon', exitCode), this.config.stopGraceMs);
		this.stopTimer.unref();
	}

	setConcurrency(n: number): void {
		this.recorders?.setConcurrency(n);
	}

	get concurrency(): number {
		return this.recorders?.concurrency ?? 0;
	}

	private log(message: string): void {
		this.deps.log?.(message);
	}

	private notice(message: string): void {
		if (!this.state.notices.includes(message)) this.state.notices.push(message);
		this.log(message);
	}

	private fail(message: string): void {
		if (this.fatal === undefined) this.fatal = message;
		this.stopRequested ??= 'graceful';
		this.wakeFollow?.();
	}

	/** One follow-mode read of an input, from its checkpoint. */
	private async followPass(found: InputSpec): Promise<void> {
		let progress = this.state.inputs.find(input => input.path === found.path);
		if (!progress) {
			progress = createInputProgress({...found, id: this.state.inputs.length});
			this.state.inputs.push(progress);
		}

		const spec: InputSpec = {...found, id: progress.id};
		try {
			await this.importInput(spec, progress, {quiet: true});
		} catch (error) {
			if (error instanceof RunError) {
				this.fail(error.message);
				return;
			}

			progress.phase = 'failed';
			progress.message = errorMessage(error);
		}
	}

	async run(): Promise<RunOutcome> {
		const {config} = this;
		const expanded = await expandInputs(config.files);
		for (const problem of expanded.problems) this.notice(problem);
		let anyInputFailed = expanded.problems.length > 0;
		if (expanded.inputs.length === 0) {
			return this.finish(1, 'no log file to import' + (expanded.problems.length > 0 ? `: ${expanded.problems.join('; ')}` : ''));
		}

		this.state.inputs = expanded.inputs.map(spec => createInputProgress(spec));
		// Sizes up front, for the overall progress and ETA before each file is opened.
		await Promise.all(this.state.inputs.map(async progress => {
			if (progress.path === '-') return;
			try {
				progress.size = (await fsPromises.stat(progress.path)).size;
			} catch {}
		}));
		try {
			this.resolver = await this.createResolver();
			// CI runners are throwaway machines: a state file in their home directory means nothing next time, and test
			// harnesses that start a fresh Matomo stand-in per run (on a port used before) must not resume an old
			// import. There, checkpoints are kept only in a --state-file given.
			const statePath = config.stateFile ?? (isCi(process.env) ? undefined : scopedStatePath(config));
			if (statePath !== undefined && expanded.inputs.some(spec => spec.path !== '-')) {
				this.checkpoints = await Checkpoints.open(statePath, !config.dryRun);
			}
		} catch (error) {
			return this.finish(1, errorMessage(error));
		}

		if (!config.dryRun && this.deps.matomo) {
			// auto starts low and climbs while Matomo's throughput does.
			const concurrency = config.recorders === 'auto' ? 2 : config.recorders;
			const lanes = config.recorders === 'auto' ? 16 : Math.max(concurrency, Math.min(32, concurrency * 2));
			const payloadSize = config.bulkTracking ? config.payloadSize : 1;
			this.recorders = new Recorders(this.deps.matomo, {
				lanes,
				concurrency,
				payloadSize,
				flushIntervalMs: 200,
				// A batch per lane waiting: enough to keep every lane busy; more only holds memory.
				maxQueued: Math.max(payloadSize * lanes, 1000),
				retryMaxAttempts: config.retryMaxAttempts,
				retryDelayMs: config.retryDelayMs,
				trustTrackedCount: !config.resendFailedBatchesWhole,
				adaptive: config.recorders === 'auto',
				spacingMs: config.bulkTracking || config.forceOneHitEverySeconds === undefined ? undefined : config.forceOneHitEverySeconds * 1000,
			}, this.state, {
				acknowledged: (batch, from, to, invalid) => this.acknowledged(batch, from, to, invalid),
				fatal: message => this.fail(message),
				notice: message => this.notice(message),
				inputName: input => this.state.inputs[input]?.displayName ?? String(input),
				answered: config.debugTracker ? answer => this.log(`tracker response:\n${answer.rawBody ?? ''}`) : undefined,
			});
		}

		// Early only when the inputs' stages will want it: one site for every hit, plain hits.
		if (this.parseWorkerAllowed() && this.stageCompletesHits(config.trackListeningTime)
			&& (this.deps.parseWorker === 'always' || this.state.inputs.some(input => (input.size ?? 0) >= parseWorkerMinBytes))) {
			this.spareWorker = startParseWorker();
			// Idle, it must not keep the program alive.
			this.spareWorker.unref();
		}

		this.state.phase = 'running';
		// Lines that end without a hit (filtered, invalid) move the checkpoint too: save them now and then.
		const checkpointTimer = setInterval(() => this.checkpoints?.changed(), 1000);
		checkpointTimer.unref();
		let dump: string | undefined;
		for (const spec of expanded.inputs) {
			if (this.stopRequested) break;
			const progress = this.state.inputs[spec.id]!;
			try {
				const result = await this.importInput(spec, progress);
				if (result?.dump !== undefined) {
					dump = result.dump;
					break;
				}
			} catch (error) {
				if (error instanceof RunError) {
					this.fail(error.message);
					progress.phase = 'failed';
					progress.message = error.message;
					break;
				}

				anyInputFailed = true;
				progress.phase = 'failed';
				progress.message = errorMessage(error);
				this.notice(`${spec.displayName}: ${progress.message}`);
			} finally {
				progress.finishedAt = Date.now();
			}
		}

		if (config.follow && dump === undefined && !this.stopRequested && this.fatal === undefined) {
			const run = this;
			await follow(config.files, expanded.inputs, config.followPollMs, {
				get stopped() {
					return run.stopRequested !== undefined;
				},
				pause: async ms => new Promise<void>(resolve => {
					const timer = setTimeout(resolve, ms);
					this.wakeFollow = () => {
						clearTimeout(timer);
						resolve();
					};
				}),
				settle: async () => {
					await this.recorders?.drain();
					await this.checkpoints?.flush();
				},
				importAgain: async spec => this.followPass(spec),
			});
			this.wakeFollow = undefined;
		}

		if (this.recorders) {
			if (this.stopRequested === 'abandon') this.recorders.stop(true);
			else await this.recorders.drain();
		}

		clearInterval(checkpointTimer);
		if (this.checkpoints) {
			await this.checkpoints.flush();
			const error = this.checkpoints.takeError();
			if (error) this.notice(`progress could not be saved: ${error}`);
		}

		if (dump !== undefined) {
			this.state.phase = 'done';
			this.state.finishedAt = Date.now();
			return {state: this.state, exitCode: 0, dump};
		}

		if (this.fatal !== undefined) return this.finish(1, this.fatal);
		if (this.stopRequested) return this.finish(this.stopSignalCode || 130);
		return this.finish(anyInputFailed || this.damagedInputs > 0 ? 1 : 0);
	}

	private finish(exitCode: number, failure?: string): RunOutcome {
		clearTimeout(this.stopTimer);
		void this.spareWorker?.terminate();
		this.spareWorker = undefined;
		this.state.finishedAt = Date.now();
		this.updateListening();
		for (const message of this.resolver?.notices ?? []) this.notice(message);
		if (this.resolver) this.state.sites = this.resolver.summary;
		if (failure !== undefined) {
			this.state.failure = failure;
			this.state.phase = 'failed';
		} else {
			this.state.phase = 'done';
		}

		return {state: this.state, exitCode};
	}

	private async createResolver(): Promise<SiteResolver> {
		const {config} = this;
		const api = this.deps.matomo;
		if (config.idsite !== undefined) return createStaticResolver(api, config.idsite);
		if (config.replayTracking) return createReplayResolver(api);
		return createHostResolver(api, {
			idsiteFallback: config.idsiteFallback,
			addSitesNewHosts: config.addSitesNewHosts,
			readOnly: config.dryRun,
		});
	}

	private acknowledged(batch: HitBatch, from: number, to: number, invalid: readonly number[]): void {
		const counters = this.state.counters;
		const invalidSet = invalid.length > 0 ? new Set(invalid) : undefined;
		for (let i = from; i < to; i++) {
			const input = batch.inputs[i]!;
			const part = batch.parts[i]!;
			if (part !== 0) {
				// A line with several requests (listening time) is done with its last one.
				const remaining = (this.parts.get(part) ?? 1) - 1;
				if (remaining > 0) this.parts.set(part, remaining);
				else this.parts.delete(part);
				if (remaining > 0 && !invalidSet?.has(i)) continue;
			}

			this.watermarks.get(input)?.ack(batch.seqs[i]!);
			if (invalidSet?.has(i)) {
				counters.skipped.trackerInvalid++;
				const name = this.state.inputs[input]?.displayName ?? '?';
				this.state.trackerInvalidLines.push(`${name}:${batch.lineNos[i]! + 1}`);
				if (this.state.trackerInvalidLines.length > 10_000) this.state.trackerInvalidLines.shift();
			} else {
				counters.hitsRecorded++;
				const progress = this.state.inputs[input];
				if (progress) progress.hits++;
			}
		}

		this.checkpoints?.changed();
		if (invalid.length > 0) {
			this.log(`The Matomo tracker identified ${invalid.length} invalid requests on lines: ${invalid.map(i => batch.lineNos[i]).join(', ')}`);
		}
	}

	/** Where to start an input: after its checkpoint, unless --reimport or the file changed. */
	private async resumePoint(spec: InputSpec): Promise<CheckpointEntry | undefined> {
		if (!this.checkpoints || spec.path === '-' || this.config.reimport) return undefined;
		const found = await this.checkpoints.lookup(spec, this.config.encoding);
		if (found.changed) {
			this.notice(`${spec.displayName}: it matches the start of a file imported before, but not where that import stopped (line ${found.changed.lineNo}): importing it from the start`);
		}

		return found.resume?.entry;
	}

	/** The first lines of an input, for choosing its format. */
	private async readSample(lines: AsyncGenerator<LineBatch>): Promise<{batches: LineBatch[]; sample: string[]; done: boolean}> {
		const batches: LineBatch[] = [];
		let count = 0;
		let done = false;
		while (count < detectionSampleLines) {
			const next = await lines.next();
			if (next.done) {
				done = true;
				break;
			}

			batches.push(next.value);
			count += next.value.lines.length;
		}

		return {batches, sample: batches.flatMap(batch => batch.lines).slice(0, detectionSampleLines), done};
	}

	private async importInput(spec: InputSpec, progress: InputProgress, options: {quiet?: boolean} = {}): Promise<{dump?: string} | undefined> {
		const {config} = this;
		// --debug-request-limit counts the valid lines of each file (the reference's counter is per file).
		this.validLines = 0;
		progress.phase = 'detecting';
		progress.startedAt = Date.now();
		const resume = await this.resumePoint(spec);
		let opened = await openInput(spec, {chunksAreTransient: true});
		this.current = opened;
		progress.size = opened.size;
		progress.compression = opened.compression;
		const start = resume ? {offset: resume.offset, lineNo: resume.lineNo, lastLine: ''} : {offset: 0, lineNo: 0, lastLine: ''};
		const watermark = new InputWatermark(start);
		this.watermarks.set(spec.id, watermark);
		let lines = readLines(opened, {encoding: config.encoding, batchLines});
		try {
			// Read a sample for the format, then feed it to the pipeline like the rest: nothing is lost (stdin too).
			let {batches: buffered, sample, done} = await this.readSample(lines);
			if (sample.every(line => line.trim() === '')) {
				progress.phase = 'skipped';
				progress.message = 'empty file';
				for (const batch of buffered) this.countBlank(batch, progress, watermark);
				return undefined;
			}

			const {parser, reason, warning} = chooseFormat(sample, config);
			progress.format = parser.name;
			progress.formatReason = reason;
			if (warning) this.notice(warning);
			checkFormatForSites(parser, config);
			if (config.dumpLogRegex) {
				const dump = [
					`Using format '${parser.name}'.`,
					parser.regexSource === null ? `Format ${parser.name} does not use a regex to parse log lines.` : `Regex being used: ${parser.pattern ?? parser.regexSource}`,
					'--dump-log-regex option used, aborting log import.',
				].join('\n');
				return {dump};
			}

			const cursor: BatchCursor = {end: 0, nextLineNo: 0, ackedAhead: undefined};
			if (resume) {
				if (!options.quiet) this.state.counters.skipped.alreadyImported += resume.lineNo;
				progress.startOffset = resume.offset;
				if (opened.compression === 'none' && opened.size === resume.offset) {
					progress.phase = 'skipped';
					progress.message = `already imported (${resume.lineNo} lines, up to ${resume.updatedAt})`;
					if (!options.quiet) this.notice(`${spec.displayName}: ${progress.message}`);
					return undefined;
				}

				// Continue after the checkpoint: the sample was only for the format.
				await lines.return(undefined);
				await opened.close();
				opened = await openInput(spec, {startOffset: resume.offset, chunksAreTransient: true});
				this.current = opened;
				lines = readLines(opened, {encoding: config.encoding, firstLineNo: resume.lineNo, baseOffset: resume.offset, batchLines});
				buffered = [];
				done = false;
				cursor.end = resume.offset;
				cursor.nextLineNo = resume.lineNo;
				cursor.ackedAhead = resume.ackedAhead ? new AckedLines(resume.ackedAhead) : undefined;
			}

			await this.checkpoints?.track(spec, watermark, resume);
			progress.phase = 'reading';
			const listening = config.trackListeningTime && listeningTimeFormats.includes(parser.name);
			if (config.trackListeningTime && !listening) this.notice(`${spec.displayName}: --track-listening-time applies to ${listeningTimeFormats.join(' and ')} logs, not ${parser.name}: imported as plain hits`);
			const stage = this.lineStage(parser, spec.id, listening);
			// A forced W3C format reads its header itself: those lines are not log lines (the reference does not count them).
			let headerToSkip = !resume && config.formatName !== undefined && parser.kind === 'w3c' ? w3cHeaderLength(sample, config.formatOptions) : 0;
			const handle = async (batch: LineBatch): Promise<boolean> => {
				if (headerToSkip > 0) {
					const skipHere = Math.min(batch.lines.length, headerToSkip);
					headerToSkip -= skipHere;
					if (skipHere > 0) {
						progress.linesRead += skipHere;
						this.state.counters.linesRead += skipHere;
						const last = batch.lines[skipHere - 1]!;
						cursor.end = batch.ends[skipHere - 1]!;
						cursor.nextLineNo = batch.firstLineNo + skipHere;
						stage.parser.previousLine = last;
						watermark.lineDone(cursor.end, batch.firstLineNo + skipHere - 1, last);
						if (skipHere === batch.lines.length) return true;
						batch = sliceBatch(batch, skipHere);
					}
				}

				return this.processParsed(stage.parser.parse(batch, opened.rawBytesRead()), progress, watermark, cursor);
			};

			let completed = true;
			for (const batch of buffered) {
				if (!(await handle(batch))) {
					completed = false;
					break;
				}
			}

			buffered = [];
			let problems: readonly InputProblem[] = [];
			let usedWorker = false;
			if (!done && completed) {
				const worker = stage.completesHits && headerToSkip === 0 ? this.parseWorkerFor(spec, opened, cursor, sample, stage) : undefined;
				if (worker) {
					usedWorker = true;
					progress.parsedInWorker = true;
					// The rest of the input is parsed in a worker thread from where this thread stopped.
					await lines.return(undefined);
					await opened.close();
					try {
						for await (const parsed of worker.batches) {
							if (!(await this.processParsed(parsed, progress, watermark, cursor))) {
								completed = false;
								break;
							}
						}
					} finally {
						await worker.close();
					}

					problems = worker.ending?.problems ?? [];
					if (worker.ending) progress.bytesRead = worker.ending.bytesRead;
				} else {
					for await (const batch of lines) {
						if (!(await handle(batch))) {
							completed = false;
							break;
						}
					}
				}
			}

			if (!usedWorker) {
				progress.bytesRead = opened.rawBytesRead();
				problems = opened.problems ?? [];
			}

			for (const problem of problems) {
				// Imported up to the damage, but not all of it: the run ends with exit status 1.
				this.damagedInputs++;
				progress.message = problem.message;
				this.notice(`${spec.displayName}: ${problem.message}${problem.message.includes(String(problem.offset)) ? '' : ` (at byte ${problem.offset})`}; the lines before it were imported`);
			}

			if (progress.phase === 'reading') progress.phase = this.stopRequested ? 'pending' : 'done';
			if (!this.stopRequested) this.bots?.decideAll();
			if (this.reorder && this.recorders) {
				for (const item of this.reorder.drain()) this.addReordered(item);
			}

			if (completed && !this.stopRequested) this.checkpoints?.finished(spec.id);
			else this.checkpoints?.changed();
			this.recorders?.flush();
			return undefined;
		} finally {
			await lines.return(undefined);
			await opened.close();
			this.current = undefined;
		}
	}

	private countBlank(batch: LineBatch, progress: InputProgress, watermark: InputWatermark): void {
		for (let i = 0; i < batch.lines.length; i++) {
			progress.linesRead++;
			this.state.counters.linesRead++;
			watermark.lineDone(batch.ends[i]!, batch.firstLineNo + i, batch.lines[i]!);
		}
	}

	private invalidLine(progress: InputProgress, lineNo: number, line: string, reason: string): void {
		this.state.counters.skipped.invalid++;
		pushRing(this.state.invalidSamples, {
			seq: nextSampleSeq(),
			at: Date.now(),
			input: progress.displayName,
			lineNumber: lineNo + 1,
			reason,
			line: line.length > 500 ? line.slice(0, 500) + '…' : line,
		});
		if (this.config.debug >= 2) this.log(`Invalid line detected (${reason}): ${line}`);
	}

	/**
	 * The per-line stage of an input: parse → hit → checks, and the tracking request when every hit goes to one site
	 * (then a worker can do all of it). Listening time, replay and sites by host need the run for each hit.
	 */
	private lineStage(parser: LineParser, input: number, listening: boolean): {parser: BatchParser; completesHits: boolean; site: SiteTarget | undefined} {
		const {config} = this;
		const counters = {downloads: 0};
		const processor = new LineProcessor(parser, this.checks, counters, {...processorOptionsOf(config, listening), observer: this.bots}, input);
		const site = this.resolver?.fixed;
		const completesHits = this.stageCompletesHits(listening);
		const batchParser = new BatchParser(processor, counters, {
			queries: this.recorders ? this.queries : undefined,
			site,
			completeHits: completesHits,
			detailFiltered: config.debug >= 2,
		});
		return {parser: batchParser, completesHits, site};
	}

	/**
	 * Whether the line stage finishes each hit itself (then a worker can do all of it): one site for every hit (or, in
	 * a dry run without Matomo, none needed), no listening time, no replay.
	 */
	private stageCompletesHits(listening: boolean): boolean {
		const site = this.resolver?.fixed;
		// Bot detection by behaviour holds each hit in this thread (see bot-stage.ts).
		return !listening && !this.bots && (this.recorders ? site !== undefined && !this.config.replayTracking : site !== undefined || !this.deps.matomo);
	}

	/** What a parse worker needs of the whole run: allowed, and not following files (the inputs' own needs come with their stage). */
	private parseWorkerAllowed(): boolean {
		return this.deps.parseWorker !== 'never' && !this.config.follow;
	}

	/** A parse worker for the rest of a big input (a file, not stdin or follow mode), or undefined. */
	private parseWorkerFor(spec: InputSpec, opened: OpenedInput, cursor: BatchCursor, sample: string[], stage: {parser: BatchParser; site: SiteTarget | undefined}): WorkerSource | undefined {
		if (!this.parseWorkerAllowed() || spec.path === '-' || opened.size === null) return undefined;
		if (this.deps.parseWorker !== 'always') {
			// Worth a thread when the input is big enough to pay for starting it (some 30 ms). A dry run too: the
			// run's thread then keeps the count and the checkpoint while the worker parses (1M lines: 1.1 → 0.9 s).
			const left = opened.compression === 'none' ? opened.size - cursor.end : opened.size * 8;
			if (left < parseWorkerMinBytes) return undefined;
		}

		const worker = this.spareWorker ?? startParseWorker();
		this.spareWorker = undefined;
		worker.ref();
		const share = this.deps.shareParsing ?? (this.recorders === undefined || availableParallelism() > 2);
		return parsedInWorker(worker, {
			config: this.config,
			spec,
			sample,
			startOffset: cursor.end,
			firstLineNo: cursor.nextLineNo,
			previousLine: stage.parser.previousLine,
			site: stage.site,
			buildRequests: this.recorders !== undefined,
			// Small batches (the measured best of 256/512/1024 lines). Shared: two read ahead on offer, for the run to take
			// one when it would wait, and up to 16 posted. Not shared: each parsed as soon as it is read (lines waiting to be
			// parsed outlive young-generation collections: 1M lines promoted 116 MB, against 20 MB), and up to 8 posted,
			// enough for the run's pauses (4 made the worker wait).
			batchLines,
			readAhead: share ? 16 : 8,
			onOffer: share ? 2 : 1,
		}, stage.parser, share);
	}

	/** Returns false when the input must stop (stop requested, --debug-request-limit). */
	private async processParsed(parsed: ParsedBatch, progress: InputProgress, watermark: InputWatermark, cursor: BatchCursor): Promise<boolean> {
		try {
			return await this.processLines(parsed, progress, watermark, cursor);
		} finally {
			// The batch's memory is reused after this: the watermark keeps its own copy of the text it needs.
			watermark.pinDoneText();
		}
	}

	private async processLines(parsed: ParsedBatch, progress: InputProgress, watermark: InputWatermark, cursor: BatchCursor): Promise<boolean> {
		const {config, state} = this;
		const counters = state.counters;
		const skipped = counters.skipped;
		const {count, ends, outcomes, downloads, texts, textStarts, textEnds, requests, requestStarts, visitorHashes, details, slow, firstLineNo} = parsed;
		const input = progress.id;
		let detail = 0;
		let slowAt = 0;
		for (let i = 0; i < count; i++) {
			if (this.paused) await this.paused.promise;
			if (this.stopRequested) return false;
			const lineNo = firstLineNo + i;
			const end = ends[i]!;
			const start = cursor.end;
			cursor.end = end;
			cursor.nextLineNo = lineNo + 1;
			const code = outcomes[i]!;
			const lineDetail = details[detail]?.index === i ? details[detail++] : undefined;
			const hitSlow = code === HIT_SLOW && slow[slowAt]?.index === i ? slow[slowAt++] : undefined;
			// The line's text: texts[textFrom, textTo); the previous line's: texts[previousFrom, previousTo).
			const textFrom = textStarts[i + 1]!;
			const textTo = textEnds[i + 1]!;
			const previousFrom = textStarts[i]!;
			const previousTo = textEnds[i]!;
			counters.linesRead++;
			progress.linesRead++;
			if (this.skipRemaining > 0) {
				this.skipRemaining--;
				skipped.skipOption++;
				watermark.lineDoneBytes(end, lineNo, texts, textFrom, textTo);
				continue;
			}

			if (cursor.ackedAhead?.has(lineNo)) {
				// Acknowledged by Matomo in the run that stopped, although an earlier line was not: skip it.
				skipped.alreadyImported++;
				watermark.lineDoneBytes(end, lineNo, texts, textFrom, textTo);
				continue;
			}

			if (downloads[i] === 1) counters.downloads++;
			if (code !== HIT && code !== HIT_SLOW) {
				const reason = skipReasonOf(code);
				if (reason === 'invalid') {
					const why = lineDetail?.detail ?? 'invalid';
					if (why !== 'line did not match' && why !== 'line too long') this.validLines++;
					this.invalidLine(progress, lineNo, lineDetail?.text ?? texts.toString('utf8', textFrom, textTo), why);
				} else {
					this.validLines++;
					skipped[reason]++;
					if (config.debug >= 2) this.log(`Filtered line out (${lineDetail?.detail ?? reason}): ${lineDetail?.text ?? texts.toString('utf8', textFrom, textTo)}`);
				}

				watermark.lineDoneBytes(end, lineNo, texts, textFrom, textTo);
				if (config.debugRequestLimit !== undefined && this.validLines >= config.debugRequestLimit) return this.requestLimitReached(progress);
				continue;
			}

			this.validLines++;
			if (config.debugRequestLimit !== undefined && this.validLines >= config.debugRequestLimit) {
				watermark.lineDoneBytes(start, lineNo - 1, texts, previousFrom, previousTo);
				return this.requestLimitReached(progress);
			}

			counters.hitsQueued++;
			if (code === HIT) {
				if (!this.recorders) {
					// Dry run: the hit counts as recorded, as in the reference.
					counters.hitsRecorded++;
					progress.hits++;
					watermark.lineDoneBytes(end, lineNo, texts, textFrom, textTo);
					continue;
				}

				const seq = watermark.addHitBytes(start, lineNo, texts, previousFrom, previousTo);
				watermark.lineDoneBytes(end, lineNo, texts, textFrom, textTo);
				this.recorders.addEntry(requests, requestStarts[i]!, requestStarts[i + 1]!, visitorHashes[i]!, input, lineNo, seq);
			} else {
				const stopped = await this.slowHit(hitSlow!, progress, watermark, start, end, lineNo, texts, previousFrom, previousTo, textFrom, textTo);
				if (stopped) return false;
			}

			// Only when the lanes are full: an await per hit is a promise and a turn of the microtask queue per hit.
			if (this.recorders?.full) {
				progress.bytesRead = Math.max(progress.bytesRead, parsed.bytesRead);
				await this.recorders.capacity();
			}
		}

		progress.bytesRead = Math.max(progress.bytesRead, parsed.bytesRead);
		return true;
	}

	/** A hit the line stage left to the run: its site looked up, listening time, replay. Returns true to stop. */
	private async slowHit(item: ParsedBatch['slow'][number], progress: InputProgress, watermark: InputWatermark, start: number, end: number, lineNo: number, texts: Buffer, previousFrom: number, previousTo: number, textFrom: number, textTo: number): Promise<boolean> {
		const {config} = this;
		const {hit, listenSeconds} = item;
		const listen = listenSeconds === undefined ? null : listenFromHit(hit, listenSeconds);
		if (listen) this.listeningStats?.add(listen);
		if (!this.recorders) {
			// Dry run (or no Matomo): the hit counts as recorded, as in the reference.
			await this.recordOffline(hit, progress);
			watermark.lineDoneBytes(end, lineNo, texts, textFrom, textTo);
			return false;
		}

		// Known sites answer synchronously: no await (and no microtask) per hit.
		const known = this.resolver!.cached(hit);
		const site = known !== undefined ? known : await this.resolver!.resolve(hit);
		if (site === null) {
			this.state.counters.skipped.noSite++;
			this.state.counters.hitsQueued--;
			watermark.lineDoneBytes(end, lineNo, texts, textFrom, textTo);
			return false;
		}

		const visitor = config.replayTracking ? replayVisitorId(hit) : hit.ip;
		const seq = watermark.addHitBytes(start, lineNo, texts, previousFrom, previousTo);
		watermark.lineDoneBytes(end, lineNo, texts, textFrom, textTo);
		if (listen && this.reorder) {
			// The listen at its start, its event and heartbeats; in time order with the other listeners' requests.
			const requests = listeningRequests(listen, site, {...this.requestOptions, visitWindowSeconds: config.visitLengthSeconds});
			const part = ++this.lastPartId;
			this.parts.set(part, requests.length);
			for (const request of requests) {
				const queued: ReorderedRequest = {query: toQueryString(request.params), visitor, input: hit.input, lineNo, seq, part};
				for (const queuedItem of this.reorder.push(queued, request.seconds, request.micros)) this.addReordered(queuedItem);
			}
		} else if (this.bots) {
			this.bots.hold(hit, progress, site, visitor, lineNo, seq);
		} else {
			this.recorders.add(this.queries.build(hit, site), visitor, hit.input, lineNo, seq);
		}

		return false;
	}

	private addReordered(item: ReorderedRequest): void {
		this.recorders!.add(item.query, item.visitor, item.input, item.lineNo, item.seq, item.part);
	}

	private requestLimitReached(progress: InputProgress): boolean {
		this.log('Exceeded limit specified in --debug-request-limit, exiting.');
		progress.phase = 'done';
		return false;
	}

	private async recordOffline(hit: Hit, progress: InputProgress): Promise<void> {
		const counters = this.state.counters;
		if (this.deps.matomo && this.resolver) {
			// A dry run against a Matomo still tells which hosts have no site (look-ups only, nothing is created).
			const known = this.resolver.cached(hit);
			const site = known !== undefined ? known : await this.resolver.resolve(hit);
			if (site === null) {
				counters.skipped.noSite++;
				counters.hitsQueued--;
				return;
			}
		}

		if (this.bots) {
			this.bots.holdOffline(hit, progress);
			return;
		}

		counters.hitsRecorded++;
		progress.hits++;
	}
}

/** A request of a listen, waiting in the reorder window for the requests of other listeners that came before it. */
interface ReorderedRequest {
	query: string;
	visitor: string;
	input: number;
	lineNo: number;
	seq: number;
	part: number;
}

interface BatchCursor {
	/** End offset of the last line handled, and the number of the next one. */
	end: number;
	nextLineNo: number;
	/** Lines after the resume point that the stopped run already had acknowledged. */
	ackedAhead: AckedLines | undefined;
}

/** Inclusive ranges of line numbers, asked in increasing order. */
class AckedLines {
	private index = 0;
	constructor(private readonly ranges: ReadonlyArray<[number, number]>) {}

	has(line: number): boolean {
		while (this.index < this.ranges.length && this.ranges[this.index]![1] < line) this.index++;
		const range = this.ranges[this.index];
		return range !== undefined && range[0] <= line;
	}
}

function sliceBatch(batch: LineBatch, from: number): LineBatch {
	return {
		lines: batch.lines.slice(from),
		ends: batch.ends.slice(from),
		firstLineNo: batch.firstLineNo + from,
		oversized: batch.oversized?.filter(index => index >= from).map(index => index - from),
	};
}

function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

export type {SkipReason};
