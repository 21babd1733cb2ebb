/**
 * The run's side of each parsed line, wherever it was parsed: counted, skipped (--skip, acknowledged ahead by a
 * stopped run, filtered, invalid), or a hit queued to the recorders, and the input's watermark moved past it.
 * Plain hits (HIT) come with their request built; the others (HIT_SLOW) go to the slow path.
 */
import type {ImportConfig} from '../options/config.js';
import {nextSampleSeq, pushRing, type InputProgress, type RunState} from '../core/run-state.js';
import type {LineBatch} from '../input/types.js';
import {HIT, HIT_SLOW, skipReasonOf, type ParsedBatch} from '../parse/parsed-batch.js';
import type {Recorders} from '../record/recorders.js';
import type {HitRef} from '../record/hit-batch.js';
import type {InputWatermark} from '../record/watermark.js';
import type {BatchCursor} from './batch-cursor.js';
import type {RunControl} from './run-control.js';
import type {SlowHits} from './slow-hits.js';
import type {BotStage} from './bot-stage.js';

/** Invalid lines longer than this are shortened in the samples. */
const sampleLineChars = 500;

/** What the line handling needs of the run. */
export interface ParsedLinesContext {
	readonly config: ImportConfig;
	readonly state: RunState;
	/** Absent in a dry run. */
	readonly recorders: Recorders | undefined;
	readonly slowHits: SlowHits;
	/** --bot-detection=behavior: sees every line's evidence, and holds each hit until its visitor's verdict. */
	readonly bots?: BotStage;
	/** Paused (a promise that resolves on resume) or stopping. */
	readonly control: Pick<RunControl, 'paused' | 'stopping'>;
	log(message: string): void;
}

export class ParsedLines {
	/** Valid lines of the current input, for --debug-request-limit (the reference's counter is per file). */
	validLines = 0;
	/** Lines --skip still has to pass over. */
	private skipRemaining: number;
	/** The origin and visitor keys of the hit being queued (the recorders copy them). */
	private readonly hitRef: HitRef = {input: 0, lineNo: 0, seq: 0, part: 0, ip: 0, user: 0, day: 0};

	constructor(private readonly run: ParsedLinesContext) {
		this.skipRemaining = run.config.skip;
	}

	/** Returns false when the input must stop (stop requested, --debug-request-limit). */
	async handle(parsed: ParsedBatch, progress: InputProgress, watermark: InputWatermark, cursor: BatchCursor): Promise<boolean> {
		try {
			return await this.handleLines(parsed, progress, watermark, cursor);
		} finally {
			// The batch's memory is reused after this: the watermark keeps its own copy of the text it needs.
			watermark.pinDoneText();
		}
	}

	/** Blank lines (an empty input): read and done. */
	countBlank(batch: LineBatch, progress: InputProgress, watermark: InputWatermark): void {
		for (let i = 0; i < batch.lines.length; i++) {
			progress.linesRead++;
			this.run.state.counters.linesRead++;
			watermark.lineDone(batch.ends[i]!, batch.firstLineNo + i, batch.lines[i]!);
		}
	}

	private async handleLines(parsed: ParsedBatch, progress: InputProgress, watermark: InputWatermark, cursor: BatchCursor): Promise<boolean> {
		const {config, state, recorders, control, bots} = this.run;
		const counters = state.counters;
		const skipped = counters.skipped;
		const {
			count,
			ends,
			outcomes,
			downloads,
			texts,
			textStarts,
			textEnds,
			requests,
			requestStarts,
			visitorHashes,
			userHashes,
			dayKeys,
			details,
			slow,
			firstLineNo,
		} = parsed;
		const hitRef = this.hitRef;
		const input = progress.id;
		let detail = 0;
		let slowAt = 0;
		bots?.startBatch(parsed);
		for (let i = 0; i < count; i++) {
			const paused = control.paused;
			if (paused) await paused;
			if (control.stopping) return false;
			// Every line's evidence, in the log's order, before its hit (if any) is held.
			bots?.line(i);
			const lineNo = firstLineNo + i;
			const end = ends[i]!;
			const start = cursor.end;
			cursor.end = end;
			cursor.nextLineNo = lineNo + 1;
			const code = outcomes[i]!;
			const lineDetail = details[detail]?.index === i ? details[detail++] : undefined;
			const hitSlow = code === HIT_SLOW && slow[slowAt]?.index === i ? slow[slowAt++] : undefined;
			// The batch's arrays of texts are one longer than its lines: entry 0 is the line before the batch. So the
			// line's text is at i + 1, the previous line's at i.
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
					if (config.debug >= 2)
						this.run.log(`Filtered line out (${lineDetail?.detail ?? reason}): ${lineDetail?.text ?? texts.toString('utf8', textFrom, textTo)}`);
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
				if (!recorders) {
					// Dry run: the hit counts as recorded, as in the reference (once its visitor is found a person).
					if (bots) {
						bots.holdCounted(progress);
					} else {
						counters.hitsRecorded++;
						progress.hits++;
					}

					watermark.lineDoneBytes(end, lineNo, texts, textFrom, textTo);
					continue;
				}

				const seq = watermark.addHitBytes(start, lineNo, texts, previousFrom, previousTo);
				watermark.lineDoneBytes(end, lineNo, texts, textFrom, textTo);
				hitRef.input = input;
				hitRef.lineNo = lineNo;
				hitRef.seq = seq;
				hitRef.ip = visitorHashes[i]!;
				hitRef.user = userHashes[i]!;
				hitRef.day = dayKeys[i]!;
				// Held, the hit has its watermark entry and is not acknowledged: the checkpoint waits for it.
				if (bots) bots.holdEntry(requests, requestStarts[i]!, requestStarts[i + 1]!, hitRef, progress);
				else recorders.addEntry(requests, requestStarts[i]!, requestStarts[i + 1]!, hitRef);
			} else {
				await this.run.slowHits.add(hitSlow!, {progress, watermark, start, end, lineNo, texts, textFrom, textTo, previousFrom, previousTo});
			}

			// Only when the lanes are full: an await per hit is a promise and a turn of the microtask queue per hit.
			if (recorders?.full) {
				progress.bytesRead = Math.max(progress.bytesRead, parsed.bytesRead);
				await recorders.capacity();
			}
		}

		progress.bytesRead = Math.max(progress.bytesRead, parsed.bytesRead);
		return true;
	}

	private invalidLine(progress: InputProgress, lineNo: number, line: string, reason: string): void {
		this.run.state.counters.skipped.invalid++;
		pushRing(this.run.state.invalidSamples, {
			seq: nextSampleSeq(),
			at: Date.now(),
			input: progress.displayName,
			lineNumber: lineNo + 1,
			reason,
			line: line.length > sampleLineChars ? line.slice(0, sampleLineChars) + '…' : line,
		});
		if (this.run.config.debug >= 2) this.run.log(`Invalid line detected (${reason}): ${line}`);
	}

	private requestLimitReached(progress: InputProgress): boolean {
		this.run.log('Exceeded limit specified in --debug-request-limit, exiting.');
		progress.phase = 'done';
		return false;
	}
}
