import type {FormatDefinition} from '../source/parse/format.js';
import {DEFAULT_DATE_FORMAT, createRegexParser, defineRegexFormat} from '../source/parse/regex-parser.js';

/**
 * `--log-format-regex` (and `--log-date-format`): a user's Python regex with named groups. Throws a clear Error
 * when the pattern is not a valid (or not a supported) Python regex, so the CLI can report it before reading logs.
 */
export function createCustomFormat(pythonPattern: string, dateFormat: string = DEFAULT_DATE_FORMAT): FormatDefinition {
	// Compile now, to fail early.
	createRegexParser({name: 'custom', kind: 'regex', pattern: pythonPattern, dateFormat});
	return defineRegexFormat({
		name: 'custom',
		description: 'Custom regular expression (--log-format-regex)',
		pattern: pythonPattern,
		dateFormat,
		autoDetect: false,
		sampleLines: [],
	});
}
