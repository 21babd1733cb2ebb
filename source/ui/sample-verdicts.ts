/**
 * What the import would make of each sample line with a parser: the run's own per-line stage (parse → hit → checks
 * → date → filters), so the format step marks ✓ only the lines the import accepts, shows the date it would send,
 * and names why each other line is left out.
 */
import type {ImportConfig} from '../options/config.js';
import {compileChecks} from '../filter/checks.js';
import type {LineParser} from '../parse/format.js';
import {LineProcessor} from '../parse/line-processor.js';
import {processorOptionsOf} from '../parse/stage-options.js';
import {skipReasonLabels} from '../core/run-state.js';

export type LineVerdict =
	/** A hit: `date` is the UTC time the import sends ("2024-02-10 09:00:00"). */
	| {kind: 'hit'; date: string}
	/** The import counts it invalid: no match, a date or time zone it cannot read… */
	| {kind: 'invalid'; reason: string}
	/** Read, then left out by a filter or check (static file, bot, HTTP error…): not an error of the format. */
	| {kind: 'skipped'; reason: string; label: string};

function utcText(seconds: number): string {
	return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

/** A judge for the lines of one input, read the way `config` makes the import read them. */
export function sampleJudge(parser: LineParser, config: ImportConfig): (line: string, lineNo: number) => LineVerdict {
	const processor = new LineProcessor(parser, compileChecks(config), {downloads: 0}, processorOptionsOf(config, config.trackListeningTime), 0);
	return (line, lineNo) => {
		try {
			const outcome = processor.process(line, lineNo, 0);
			if (outcome.kind === 'hit') return {kind: 'hit', date: utcText(outcome.hit.seconds)};
			if (outcome.reason === 'invalid') return {kind: 'invalid', reason: outcome.detail ?? 'invalid'};
			return {kind: 'skipped', reason: outcome.detail ?? skipReasonLabels[outcome.reason], label: skipReasonLabels[outcome.reason]};
		} catch (error) {
			return {kind: 'invalid', reason: error instanceof Error ? error.message : String(error)};
		}
	};
}
