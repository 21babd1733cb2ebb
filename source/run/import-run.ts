/**
 * One import run: inputs → format → lines → hits → sites → recorders → Matomo, with the run state the views read.
 * This is its lifecycle (start, read each input, finish) and the reading of an input; the parts with a purpose of
 * their own are beside it: pause and stop (run-control.ts), where lines are parsed (parse-paths.ts), what the run
 * does with each parsed line (parsed-lines.ts), the slow path of a hit (slow-hits.ts), and what Matomo's answers
 * move (acknowledgements.ts). It knows nothing of Ink or of the terminal: the views render `snapshot()`.
 */
import type {ImportConfig} from '../options/config.js';
import {errorMessage, RunError} from '../core/run-error.js';
import {createInputProgress, createRunState, snapshotRunState, type InputProgress, type RunState} from '../core/run-state.js';
import {expandInputs} from '../input/expand-inputs.js';
import {openInput} from '../input/open-input.js';
import {readLines} from '../input/line-reader.js';
import type {InputProblem, InputSpec, LineBatch, OpenedInput} from '../input/types.js';
import {w3cHeaderLength} from '../parse/detect.js';
import {chooseFormat, checkFormatForSites, dumpLogRegex} from '../parse/choose-format.js';
import {listeningTimeFormats} from '../track/listening-time.js';
import {ReorderWindow} from '../track/reorder-window.js';
import type {Recorders} from '../record/recorders.js';
import {InputWatermark} from '../record/watermark.js';
import type {Checkpoints} from '../record/checkpoints.js';
import {LockedError} from '../record/run-lock.js';
import {emptyInput, resumePoint, skipUnchanged} from './input-start.js';
import {ListeningStats} from '../report/listening-stats.js';
import type {ImportRunDeps, RunOutcome} from './run-types.js';
import {follow} from './follow.js';
import {Acknowledgements} from './acknowledgements.js';
import {AckedLines, sliceBatch, type BatchCursor} from './batch-cursor.js';
import type {ParsedLines} from './parsed-lines.js';
import type {ParsePaths} from './parse-paths.js';
import {RunControl, type StopMode} from './run-control.js';
import {createRecorders, createResolver, createRunParts, openCheckpoints, readSample, statSizes} from './run-setup.js';
import type {ReorderedRequest, SlowHits} from './slow-hits.js';
import type {BotStage} from './bot-stage.js';

export type {ImportRunDeps, MatomoConnection, RunOutcome} from './run-types.js';
export {RunError} from '../core/run-error.js';

/**
 * Lines per batch. Small: the lines of the batch being handled are what survives a young-generation collection
 * (copied, then promoted), and the young generation is small (node-flags.ts); bench/profile.md has the figures.
 */
const batchLines = 256;

/** How many lines are read before the format of an input is chosen. */
const detectionSampleLines = 1000;

/** A day: Icecast writes a line when a listener leaves, so a long listen's start comes hours "late". */
const listeningReorderSeconds = 24 * 3600;

export class ImportRun {
	readonly state: RunState;
	private readonly config: ImportConfig;
	private readonly deps: ImportRunDeps;
	private readonly control: RunControl;
	/** Absent in a dry run. */
	private recorders: Recorders | undefined;
	private current: OpenedInput | undefined;
	private checkpoints: Checkpoints | undefined;
	/** Inputs read only up to damage (truncated .gz/.bz2, a read error). */
	private damagedInputs = 0;
	/** See sharedReason. */
	private readonly formatReasons = new Map<string, string>();
	/** --track-listening-time: statistics per mount, and requests put back in time order (lines come at disconnect). */
	private readonly listeningStats: ListeningStats | undefined;
	private readonly reorder: ReorderWindow<ReorderedRequest> | undefined;
	private readonly acknowledgements: Acknowledgements;
	/** Made once Matomo told how to find the sites (run()). */
	private parts: {parsedLines: ParsedLines; parsePaths: ParsePaths; slowHits: SlowHits; bots: BotStage | undefined} | undefined;
	private siteNotices: readonly string[] = [];

	constructor(config: ImportConfig, deps: ImportRunDeps = {}) {
		this.config = config;
		this.deps = deps;
		this.state = createRunState(config.dryRun);
		if (config.trackListeningTime) {
			this.listeningStats = new ListeningStats();
			this.reorder = new ReorderWindow({windowSeconds: listeningReorderSeconds, maxItems: 200_000});
		}

		this.control = new RunControl(this.state, config.stopGraceMs, {
			abandon: () => {
				this.recorders?.stop(true);
				void this.current?.close();
			},
		});
		this.acknowledgements = new Acknowledgements(this.state, {
			changed: () => this.checkpoints?.changed(),
			log: message => this.log(message),
		});
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
		this.control.pause();
	}

	resume(): void {
		this.control.resume();
	}

	/**
	 * Stop reading. Graceful: the batches queued and in flight are finished (the checkpoint then covers them), within
	 * --stop-grace. Abandon (second Ctrl+C): in-flight requests are cut; what was not acknowledged is read again on
	 * resume.
	 */
	stop(mode: StopMode = 'graceful', exitCode = 130): void {
		this.control.stop(mode, exitCode);
		// A pipe may wait for its writer for ever: what it would still give cannot be resumed anyway.
		if (mode === 'graceful' && this.current?.size === null) void this.current.close();
	}

	setConcurrency(n: number): void {
		this.recorders?.setConcurrency(n);
	}

	get concurrency(): number {
		return this.recorders?.concurrency ?? 0;
	}

	private get stopRequested(): StopMode | undefined {
		return this.control.stopRequested;
	}

	private log(message: string): void {
		this.deps.log?.(message);
	}

	private notice(message: string): void {
		if (!this.state.notices.includes(message)) this.state.notices.push(message);
		this.log(message);
	}

	private fail(message: string): void {
		this.control.fail(message);
	}

	async run(): Promise<RunOutcome> {
		const {config} = this;
		const expanded = await expandInputs(config.files);
		for (const problem of expanded.problems) this.notice(problem);
		for (const note of expanded.notes) this.notice(note);
		let anyInputFailed = expanded.problems.length > 0;
		if (expanded.inputs.length === 0) {
			return this.finish(1, 'no log file to import' + (expanded.problems.length > 0 ? `: ${expanded.problems.join('; ')}` : ''));
		}

		this.state.inputs = expanded.inputs.map(spec => createInputProgress(spec));
		// Sizes up front, for the overall progress and ETA before each file is opened.
		statSizes(this.state.inputs);
		let resolver: Awaited<ReturnType<typeof createResolver>>;
		try {
			resolver = await createResolver(config, this.deps.matomo);
			this.checkpoints = await openCheckpoints(config, expanded.inputs, message => this.fail(message));
		} catch (error) {
			return this.finish(error instanceof LockedError ? error.exitCode : 1, errorMessage(error));
		}

		this.siteNotices = resolver.notices;
		this.state.sites = resolver.summary;
		const matomo = this.deps.matomo;
		if (!config.dryRun && matomo) {
			this.recorders = createRecorders(config, matomo, this.state, {
				acknowledged: (batch, from, to, invalid) => this.acknowledgements.acknowledged(batch, from, to, invalid),
				fatal: message => this.fail(message),
				notice: message => this.notice(message),
				inputName: input => this.state.inputs[input]?.displayName ?? String(input),
				answered: config.debugTracker ? answer => this.log(`tracker response:\n${answer.rawBody ?? ''}`) : undefined,
			});
		}

		this.parts = createRunParts(
			{
				config,
				state: this.state,
				recorders: this.recorders,
				resolver,
				hasMatomo: matomo !== undefined,
				acknowledgements: this.acknowledgements,
				listeningStats: this.listeningStats,
				reorder: this.reorder,
			},
			{
				control: this.control,
				log: message => this.log(message),
				parseWorker: this.deps.parseWorker ?? 'auto',
				shareParsing: this.deps.shareParsing,
				batchLines,
				checkpointChanged: () => this.checkpoints?.changed(),
			},
		);
		this.parts.parsePaths.startEarly(this.state.inputs.map(input => input.size));
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

		if (config.follow && dump === undefined && !this.stopRequested && this.control.fatal === undefined) await this.followFiles(expanded.inputs);
		if (this.recorders) {
			if (this.stopRequested === 'abandon') this.recorders.stop(true);
			else await this.recorders.drain();
		}

		clearInterval(checkpointTimer);
		if (this.checkpoints) {
			await this.checkpoints.flush();
			const error = this.checkpoints.takeError();
			if (error) this.notice(`progress could not be saved: ${error}`);
			this.checkpoints.close();
		}

		if (dump !== undefined) {
			await this.parts?.parsePaths.close();
			this.state.phase = 'done';
			this.state.finishedAt = Date.now();
			return {state: this.state, exitCode: 0, dump};
		}

		if (this.control.fatal !== undefined) return this.finish(1, this.control.fatal);
		if (this.stopRequested) return this.finish(this.control.stopExitCode || 130);
		return this.finish(anyInputFailed || this.damagedInputs > 0 ? 1 : 0);
	}

	/** --follow: read the inputs again as they grow or rotate, from their checkpoints, until stopped. */
	private async followFiles(inputs: readonly InputSpec[]): Promise<void> {
		const {control} = this;
		await follow(this.config.files, inputs, this.config.followPollMs, {
			get stopped() {
				return control.stopping;
			},
			pause: async ms => control.sleep(ms),
			settle: async () => {
				await this.recorders?.drain();
				await this.checkpoints?.flush();
			},
			truncated: (found, sizeBefore) => {
				// What was written after the last look at it is unknown: only the copy has it.
				const read = this.state.inputs.find(input => input.path === found.path)?.bytesRead ?? 0;
				const unread = sizeBefore > read ? ` (at least ${sizeBefore - read} bytes)` : '';
				this.notice(
					`WARNING: ${found.displayName} was truncated while it was followed (copytruncate?), and no copy that starts as it did was found beside it (${found.path}.1, or a dated name): ` +
						`what was written to it after byte ${read}${unread} and before the truncation is not imported. Import the rotated copy with the same options: ` +
						`its first ${read} bytes are known as imported and skipped.`,
				);
			},
			importAgain: async found => {
				let progress = this.state.inputs.find(input => input.path === found.path);
				if (!progress) {
					progress = createInputProgress({...found, id: this.state.inputs.length});
					this.state.inputs.push(progress);
				}

				try {
					await this.importInput({...found, id: progress.id}, progress, {quiet: true});
				} catch (error) {
					if (error instanceof RunError) return this.fail(error.message);
					progress.phase = 'failed';
					progress.message = errorMessage(error);
				}
			},
		});
	}

	/**
	 * One copy of each reason a format was chosen for: the inputs of a run mostly share one, and each input's own
	 * copy (a string built in pieces) would be kept for the whole run, over thousands of files.
	 */
	private sharedReason(reason: string): string {
		const known = this.formatReasons.get(reason);
		if (known !== undefined) return known;
		if (this.formatReasons.size < 100) this.formatReasons.set(reason, reason);
		return reason;
	}

	private async finish(exitCode: number, failure?: string): Promise<RunOutcome> {
		this.control.close();
		// A worker thread still running when the process exits can crash in its teardown: end it first.
		await this.parts?.parsePaths.close();
		this.state.finishedAt = Date.now();
		this.updateListening();
		for (const message of this.siteNotices) this.notice(message);
		if (failure !== undefined) {
			this.state.failure = failure;
			this.state.phase = 'failed';
		} else {
			this.state.phase = 'done';
		}

		return {state: this.state, exitCode};
	}

	private async importInput(spec: InputSpec, progress: InputProgress, options: {quiet?: boolean} = {}): Promise<{dump?: string} | undefined> {
		const {config} = this;
		// --debug-request-limit counts the valid lines of each file (the reference's counter is per file).
		this.parts!.parsedLines.validLines = 0;
		progress.phase = 'detecting';
		progress.startedAt = Date.now();
		const resumeContext = {config, state: this.state, checkpoints: this.checkpoints, notice: (message: string) => this.notice(message)};
		const resume = await resumePoint(resumeContext, spec);
		if (skipUnchanged(resumeContext, spec, resume, progress, options.quiet === true)) return undefined;

		let opened = await openInput(spec, {chunksAreTransient: true});
		this.current = opened;
		progress.size = opened.size;
		progress.compression = opened.compression;
		if (opened.size === null)
			this.notice(`${spec.displayName}: read as a stream (a pipe): its progress cannot be saved, a run stopped midway cannot resume it`);
		const start = resume ? {offset: resume.offset, lineNo: resume.lineNo, lastLine: ''} : {offset: 0, lineNo: 0, lastLine: ''};
		const watermark = new InputWatermark(start);
		this.acknowledgements.track(spec.id, watermark);
		let lines = readLines(opened, {encoding: config.encoding, batchLines});
		try {
			// Read a sample for the format, then feed it to the pipeline like the rest: nothing is lost (stdin too).
			let {batches: buffered, sample, done} = await readSample(lines, detectionSampleLines);
			progress.compression = opened.compression;
			if (sample.every(line => line.trim() === '')) {
				for (const batch of buffered) this.parts!.parsedLines.countBlank(batch, progress, watermark);
				if (emptyInput(spec, progress, done ? opened.problems?.[0] : undefined, message => this.notice(message)) === 'damaged') this.damagedInputs++;
				return undefined;
			}

			const {parser, reason, warning} = chooseFormat(sample, config);
			progress.format = parser.name;
			progress.formatReason = this.sharedReason(reason);
			if (warning) this.notice(warning);
			checkFormatForSites(parser, config);
			if (config.dumpLogRegex) return {dump: dumpLogRegex(parser)};

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
			if (config.trackListeningTime && !listening)
				this.notice(
					`${spec.displayName}: --track-listening-time applies to ${listeningTimeFormats.join(' and ')} logs, not ${parser.name}: imported as plain hits`,
				);
			const stage = this.parts!.parsePaths.lineStage(parser, spec.id, listening);
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

				return this.parts!.parsedLines.handle(stage.parser.parse(batch, opened.rawBytesRead()), progress, watermark, cursor);
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
				const worker = stage.completesHits && headerToSkip === 0 ? this.parts!.parsePaths.workerFor(spec, opened, cursor, sample, stage) : undefined;
				if (worker) {
					usedWorker = true;
					progress.parsedInWorker = true;
					// The rest of the input is parsed in a worker thread from where this thread stopped.
					await lines.return(undefined);
					await opened.close();
					try {
						for await (const parsed of worker.batches) {
							if (!(await this.parts!.parsedLines.handle(parsed, progress, watermark, cursor))) {
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
				this.notice(
					`${spec.displayName}: ${problem.message}${problem.message.includes(String(problem.offset)) ? '' : ` (at byte ${problem.offset})`}; the lines before it were imported`,
				);
			}

			if (progress.phase === 'reading') progress.phase = this.stopRequested ? 'pending' : 'done';
			if (!this.stopRequested) this.parts!.bots?.decideAll();
			if (this.reorder && this.recorders) {
				for (const item of this.reorder.drain()) this.parts!.slowHits.addReordered(item);
			}

			if (completed && !this.stopRequested) this.checkpoints?.finished(spec.id);
			else this.checkpoints?.changed();
			// Between the files of a run, the next file's hits fill the same batches (a batch per small file would be
			// many small requests); the flush timer and the end of the run send what waits. A follow pass sends at once.
			if (options.quiet) this.recorders?.flush();
			return undefined;
		} finally {
			this.acknowledgements.release(spec.id);
			await lines.return(undefined);
			await opened.close();
			this.current = undefined;
		}
	}
}
