/**
 * The per-line pipeline of one input: parse → hit → checks → date → replay → filters. It decides each line's fate
 * synchronously; what needs I/O (site look-ups, the recorders) is left to the caller. Kept free of awaits so that
 * millions of lines cost only their parsing.
 */
import type {LineParser} from './format.js';
import {buildHit, completeHit, type Hit, type HitOptions} from './hit.js';
import {createDateReader, type DateReader} from './dates.js';
import type {Checks, CheckCounters} from '../filter/checks.js';
import type {SkipReason} from '../core/run-state.js';
import {applyReplay, type ReplayOptions} from '../track/replay.js';
import {durationFromFields, isListenerRequest} from '../track/listening-time.js';
import type {VisitorEvidenceTable} from '../filter/bots/visitor-evidence-table.js';

export type LineOutcome =
	/** `listenSeconds`: with --track-listening-time, how long the listener stayed (Icecast session time, SHOUTcast x-duration). */
	{kind: 'hit'; hit: Hit; listenSeconds?: number} | {kind: 'skip'; reason: SkipReason; detail?: string};

export interface LineProcessorOptions {
	hit: HitOptions;
	addToDate: number;
	replay: ReplayOptions | undefined;
	/** --track-listening-time with a format that logs durations. */
	listening: boolean;
	/** --bot-detection=behavior: sees every parsed line with a date, before the checks skip any. */
	evidence?: VisitorEvidenceTable;
}

/** Reused outcome objects: no allocation per skipped line. */
const skipOutcomes = new Map<SkipReason, LineOutcome>();
function skip(reason: SkipReason): LineOutcome {
	let outcome = skipOutcomes.get(reason);
	if (!outcome) {
		outcome = {kind: 'skip', reason};
		skipOutcomes.set(reason, outcome);
	}

	return outcome;
}

export class LineProcessor {
	private readonly dates: DateReader;

	constructor(
		private readonly parser: LineParser,
		private readonly checks: Checks,
		private readonly counters: CheckCounters,
		private readonly options: LineProcessorOptions,
		private readonly input: number,
	) {
		this.dates = createDateReader(parser.dateFormat, options.addToDate);
	}

	/** Whether the line parses at all (for --debug-request-limit, which counts valid lines). */
	process(line: string, lineNo: number, endOffset: number): LineOutcome {
		const fields = this.parser.parse(line);
		if (fields === null) return {kind: 'skip', reason: 'invalid', detail: 'line did not match'};
		const hit = buildHit(fields, this.options.hit, this.input, lineNo, endOffset);
		if (typeof hit === 'string') return {kind: 'skip', reason: 'invalid', detail: hit};
		// Its date read for the evidence is not read again.
		const dated = this.options.evidence !== undefined && this.observe(this.options.evidence, hit);
		const reason = this.checks.beforeDate(hit, this.counters);
		if (reason !== undefined) return skip(reason);
		// The groups after --ignore-groups (the reference reads the date from them too).
		const groups = hit.fields!;
		const date = groups.date;
		if (date === undefined) return {kind: 'skip', reason: 'invalid', detail: 'no date in the line'};
		const dateError = dated ? undefined : this.dates.read(date, groups.timezone, hit);
		if (dateError !== undefined) return {kind: 'skip', reason: 'invalid', detail: dateError};
		completeHit(hit, this.options.hit);
		if (this.options.replay) {
			const replayError = applyReplay(hit, this.options.replay);
			if (replayError !== undefined) return {kind: 'skip', reason: 'invalid', detail: replayError};
		}

		const filtered = this.checks.filtered(hit);
		if (filtered !== undefined) return {kind: 'skip', reason: 'filtered', detail: filtered};
		if (this.options.listening) {
			// Icecast logs its encoder (SOURCE/PUT) too: its hours on air are no listening.
			if (!isListenerRequest(fields)) return {kind: 'skip', reason: 'filtered', detail: 'a source client, not a listener'};
			return {kind: 'hit', hit, listenSeconds: durationFromFields(fields)};
		}

		return {kind: 'hit', hit};
	}

	/** The line's visitor, time and request, for the evidence (its date read early: the checks have not run); false without a date. */
	private observe(evidence: VisitorEvidenceTable, hit: Hit): boolean {
		const fields = hit.fields!;
		if (fields.date === undefined || this.dates.read(fields.date, fields.timezone, hit) !== undefined) return false;
		// The evidence asks only whether there is one: a quoted one is not cut out of its quotes.
		const quoted = fields.referrer ?? '';
		const referrer = quoted === '"-"' || quoted === '""' ? '-' : quoted;
		evidence.observe(fields.ip ?? '', hit.userAgent, hit.path, hit.extension, hit.status, referrer, hit.seconds);
		return true;
	}
}
