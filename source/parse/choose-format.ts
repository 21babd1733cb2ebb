/**
 * The parser of an input: the custom regex, the format named, or the one detected on its first lines, with the
 * reason shown to people ("detected: the first line matches iis (14 groups; …)").
 */
import type {ImportConfig} from '../options/config.js';
import type {FormatDefinition, LineParser} from './format.js';
import {formats, formatByName} from '../../formats/index.js';
import {createCustomFormat} from '../../formats/custom.js';
import {detectFormat, headerLinesOf, iisTimeTakenWarning} from './detect.js';
import {RunError} from '../core/run-error.js';

export interface FormatChoice {
	parser: LineParser;
	/** Why this format, for the dashboard and the summary. */
	reason: string;
	/** The reference's IIS time-taken warning, when it applies. */
	warning: string | null;
}

type FormatConfig = Pick<ImportConfig, 'formatRegex' | 'dateFormat' | 'formatName' | 'formatOptions'>;

/** Throws RunError for a format name that does not exist, Error when this input cannot be read with the choice. */
export function chooseFormat(sample: readonly string[], config: FormatConfig): FormatChoice {
	let definition: FormatDefinition | undefined;
	let reason: string;
	if (config.formatRegex !== undefined) {
		definition = createCustomFormat(config.formatRegex, config.dateFormat);
		reason = 'given with --log-format-regex';
	} else if (config.formatName !== undefined) {
		definition = formatByName(config.formatName);
		if (!definition) throw new RunError(`invalid log format: ${config.formatName}`);
		reason = 'given with --log-format-name';
	} else {
		const detected = detectFormat(sample, formats, config.formatOptions);
		if (!detected) {
			throw new Error(
				`cannot automatically determine the log format using the first ${sample.length} lines of the log file. Maybe try specifying the format with the --log-format-name command line argument.`,
			);
		}

		return {
			parser: detected.parser,
			reason: `detected: ${detected.reason}`,
			warning: iisTimeTakenWarning(detected.parser, config.formatOptions),
		};
	}

	const parser = definition.create(config.formatOptions, headerLinesOf(sample));
	if (!parser) throw new Error("File is not in the correct format, is there a '#Fields:' line? If not, use the --w3c-fields option.");
	return {parser, reason, warning: parser.kind === 'w3c' ? iisTimeTakenWarning(parser, config.formatOptions) : null};
}

/** Sites by host name need a host in every line (the reference's `check_format`). */
export function checkFormatForSites(parser: LineParser, config: Pick<ImportConfig, 'idsite' | 'replayTracking' | 'logHostname'>): void {
	if (config.idsite !== undefined || config.replayTracking || config.logHostname !== undefined) return;
	if (parser.kind !== 'json' && !parser.hasHost) {
		throw new RunError("the selected log format doesn't include the hostname: you must specify the Matomo site ID with the --idsite argument");
	}
}

/** What --dump-log-regex prints: the reference's three lines. */
export function dumpLogRegex(parser: LineParser): string {
	return [
		`Using format '${parser.name}'.`,
		parser.regexSource === null
			? `Format ${parser.name} does not use a regex to parse log lines.`
			: `Regex being used: ${parser.pattern ?? parser.regexSource}`,
		'--dump-log-regex option used, aborting log import.',
	].join('\n');
}
