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
import {lineKind, PAGE_LINE} from '../filter/bots/visitor-evidence.js';

export type LineOutcome =
	/** `listenSeconds`: with --track-listening-time, how long the listener stayed (Icecast session time, SHOUTcast x-duration). */
	{kind: 'hit'; hit: Hit; listenSeconds?: number} | {kind: 'skip'; reason: SkipReason; detail?: string};

export interface LineProcessorOptions {
	hit: HitOptions;
	addToDate: number;
	replay: ReplayOptions | undefined;
	/** --track-listening-time with a format that logs durations. */
	listening: boolean;
	/** --bot-detection=behavior: sees every parsed line (a page with its date), before the checks skip any. */
	evidence?: VisitorEvidenceTable;
}

/** What the evidence made of a line: nothing, the line, the line and its date (read into the hit). */
type Seen = 0 | 1 | 2;
const NOT_SEEN = 0;
const SEEN = 1;
const SEEN_DATED = 2;

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
		const {evidence} = this.options;
		const seen = evidence === undefined ? NOT_SEEN : this.observe(evidence, hit);
		// The evidence looked the user agent up in the bot lists already; a page's date read for it is not read again.
		const reason = this.checks.beforeDate(hit, this.counters, seen === NOT_SEEN ? undefined : evidence!.listed);
		if (reason !== undefined) return skip(reason);
		// The groups after --ignore-groups (the reference reads the date from them too).
		const groups = hit.fields!;
		const date = groups.date;
		if (date === undefined) return {kind: 'skip', reason: 'invalid', detail: 'no date in the line'};
		const dateError = seen === SEEN_DATED ? undefined : this.dates.read(date, groups.timezone, hit);
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

	/**
	 * The line's visitor and request, for the evidence, and a page's time (its date read early: the checks have not
	 * run). A page without a date is no evidence: NOT_SEEN.
	 */
	private observe(evidence: VisitorEvidenceTable, hit: Hit): Seen {
		const fields = hit.fields!;
		const kind = lineKind(hit.path, hit.extension);
		let seen: Seen = SEEN;
		if (kind === PAGE_LINE) {
			if (fields.date === undefined || this.dates.read(fields.date, fields.timezone, hit) !== undefined) return NOT_SEEN;
			seen = SEEN_DATED;
		}

		// The evidence asks only whether there is one: a quoted one is not cut out of its quotes.
		const quoted = fields.referrer ?? '';
		const referrer = quoted === '"-"' || quoted === '""' ? '-' : quoted;
		evidence.observe(fields.ip ?? '', hit.userAgent, kind, referrer, hit.seconds);
		return seen;
	}
}
