/**
 * Log format auto-detection, as the reference's `Parser.detect_format` decides it, on a bounded sample of the input.
 *
 * The reference reads lines off the file and seeks back (which loses lines on stdin), scans up to 100 000 lines, and
 * hangs on Incapsula logs through regex backtracking. Here the caller hands over the first lines and feeds them to the
 * parser afterwards, so nothing is consumed; every check is one regex test or one JSON decode of one line.
 */
import type {FormatDefinition, FormatOptions, LineParser} from './format.js';
import {pythonStrip} from './python-text.js';

export interface DetectionCandidate {
	name: string;
	/** Capture groups of the format's regex; `null` for a JSON match. */
	score: number | null;
}

export interface DetectionResult {
	format: FormatDefinition;
	/** The chosen format's parser, built for this input (W3C formats: from its header). */
	parser: LineParser;
	/** Why this format, for people: `the first line matches iis (14 groups; also w3c_extended 13, …)`. */
	reason: string;
	/** Every format that matched the deciding line, in the reference's order, the chosen one included. */
	candidates: DetectionCandidate[];
	/** How many data lines of the sample (header lines excluded) the chosen parser parses (counted when read). */
	readonly sampleMatches: number;
	sampleSize: number;
}

/**
 * The reference's W3C header scan: the lines at the start that begin with `#` once stripped, blank lines skipped, up
 * to the first other line. Stripped like the reference stores them.
 */
function scanHeader(sample: readonly string[]): {headerLines: string[]; dataStart: number} {
	const headerLines: string[] = [];
	let index = 0;
	for (; index < sample.length; index++) {
		const line = pythonStrip(sample[index]!);
		if (line === '') continue;
		if (!line.startsWith('#')) break;
		headerLines.push(line);
	}

	return {headerLines, dataStart: index};
}

/** The leading `#` lines of an input (blank lines dropped), as the W3C formats' `create()` takes them. */
export function headerLinesOf(sample: readonly string[]): string[] {
	return scanHeader(sample).headerLines;
}

/** Time allowed for pass 2 (the reference scans up to 100 000 lines, whatever it costs). */
const PASS_2_BUDGET_MS = 5000;

/**
 * How many raw lines at the start of the input the reference reads as header when a W3C format is forced
 * (`--log-format-name`): its `create_regex` reads up to and including the first `#Fields: ` line, blank lines among
 * them, and parsing then starts on the next line, so those lines are never counted. 0 with `--w3c-fields` (nothing is
 * read then: the `#` lines go through the parser and count as invalid) or when the header has no `#Fields: ` line.
 */
export function w3cHeaderLength(sample: readonly string[], options: FormatOptions): number {
	if (options.w3cFields) return 0;
	for (let index = 0; index < sample.length; index++) {
		const line = pythonStrip(sample[index]!);
		if (line === '') continue;
		if (!line.startsWith('#')) return 0;
		if (line.startsWith('#Fields: ')) return index + 1;
	}

	return 0;
}

interface Checker {
	format: FormatDefinition;
	parser: LineParser;
}

/** A format's own test of one line; an exception (a format that cannot read this line at all) is no match. */
function check(parser: LineParser, line: string): boolean {
	try {
		return parser.detect(line);
	} catch {
		return false;
	}
}

interface Decision {
	best: Checker;
	candidates: DetectionCandidate[];
}

/**
 * The reference's `Parser.check_format` scoring over one line per format. A regex match scores its number of capture
 * groups and replaces the best only with a strictly higher score (ties go to the earlier format). A JSON match has no
 * score and becomes the best whatever came before, without raising the bar for the formats after it.
 */
function decide(checkers: readonly Checker[], lineOf: (checker: Checker) => string | undefined): Decision | null {
	let best: Checker | undefined;
	let bestScore = 0;
	const candidates: DetectionCandidate[] = [];
	for (const checker of checkers) {
		const line = lineOf(checker);
		if (line === undefined || !check(checker.parser, line)) continue;
		const score = checker.parser.score;
		candidates.push({name: checker.format.name, score});
		if (score === null) {
			best = checker;
		} else if (score > bestScore) {
			best = checker;
			bestScore = score;
		}
	}

	return best === undefined ? null : {best, candidates};
}

function describe(decision: Decision): string {
	const {best, candidates} = decision;
	const label = (candidate: DetectionCandidate): string => (candidate.score === null ? `${candidate.name} (JSON)` : `${candidate.name} ${candidate.score}`);
	const others = candidates.filter(candidate => candidate.name !== best.format.name).map(label);
	const also = others.length === 0 ? '' : `; also ${others.join(', ')}`;
	const score = best.parser.score;
	return score === null
		? `JSON with the keys of ${best.format.name}${also === '' ? '' : ` (${also.slice(2)})`}`
		: `${best.format.name} (${score} groups${also})`;
}

/**
 * Detect the format of an input from its first lines (`sample`, without line terminators).
 * - Pass 1: each auto-detectable format, in the registry's (the reference's) order, tests one line: W3C formats the
 *   first data line after the header they were built from, the others the very first line of the input.
 * - Pass 2, when nothing matched: the first sample line that any format matches decides (best score on that line).
 * Returns null when no line of the sample matches any format (or pass 2 ran out of its time budget).
 */
export function detectFormat(sample: readonly string[], formats: readonly FormatDefinition[], options: FormatOptions): DetectionResult | null {
	const {headerLines, dataStart} = scanHeader(sample);
	const checkers: Checker[] = [];
	for (const format of formats) {
		if (!format.autoDetect) continue;
		let parser: LineParser | null;
		try {
			parser = format.create(options, headerLines);
		} catch {
			// E.g. a `--w3c-map-field` naming a field this format does not know: the reference skips the format.
			parser = null;
		}

		if (parser !== null) checkers.push({format, parser});
	}

	// The first data line after the header (blank lines there skipped, as the W3C header scan does).
	let firstDataLine: string | undefined;
	for (let index = dataStart; index < sample.length; index++) {
		if (pythonStrip(sample[index]!) !== '') {
			firstDataLine = sample[index];
			break;
		}
	}

	let decision = decide(checkers, checker => (checker.format.kind === 'w3c' ? firstDataLine : sample[0]));
	let decidingLine: number | undefined;
	if (decision === null) {
		// Some formats' regexes (haproxy's chain of `.*`) backtrack polynomially on long lines they do not match; a
		// sample of such lines must not stall the start of an import. One check cannot be interrupted, but the scan
		// stops once the budget is spent.
		const deadline = performance.now() + PASS_2_BUDGET_MS;
		for (let index = 0; index < sample.length && decision === null && performance.now() < deadline; index++) {
			const line = sample[index]!;
			decision = decide(checkers, () => line);
			decidingLine = index + 1;
		}
	}

	if (decision === null) return null;
	const {parser, format} = decision.best;
	const what = describe(decision);
	let sampleMatches: number | undefined;
	return {
		format,
		parser,
		reason:
			decidingLine === undefined
				? `the first line ${parser.score === null ? 'is' : 'matches'} ${what}`
				: `line ${decidingLine} is the first that matches a format: ${what}`,
		candidates: decision.candidates,
		// Counted when asked: an import parses the sample again anyway, and a run over thousands of small files would
		// parse each of them twice.
		get sampleMatches() {
			if (sampleMatches === undefined) {
				sampleMatches = 0;
				for (let index = dataStart; index < sample.length; index++) {
					if (parser.parse(sample[index]!) !== null) sampleMatches++;
				}
			}

			return sampleMatches;
		},
		sampleSize: sample.length - dataStart,
	};
}

const IIS_WARNING =
	'WARNING: IIS log file being parsed without --w3c-time-taken-millisecs option. IIS stores millisecond values in the ' +
	'time-taken field. If your logfile does this, the aforementioned option must be used in order to get accurate ' +
	'generation times.';

/**
 * The reference's `check_for_iis_option`, run when a W3C-family format was detected: an IIS header, time-taken read
 * as seconds, and no `--w3c-time-taken-millisecs`. Returns its warning text, or null.
 */
export function iisTimeTakenWarning(parser: LineParser, options: FormatOptions): string | null {
	if (parser.kind !== 'w3c' || options.w3cTimeTakenMillisecs) return null;
	// The reference looks for the text in the regex pattern, not for a group.
	if (parser.regexSource?.includes('generation_time_milli')) return null;
	const isIis = parser.headerLines.some(line => {
		const lower = line.toLowerCase();
		return lower.includes('internet information services') || lower.includes('iis');
	});
	return isIis ? IIS_WARNING : null;
}
