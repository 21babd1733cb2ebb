/**
 * The W3C extended log family (the reference's `W3cExtendedFormat` and subclasses): the regex is built per input from
 * its `#Fields:` line, each known field name mapping to a fragment and every other field to the "unknown" fragment.
 *
 * Each format module is data: field overrides, the unknown-field fragment and a `fixFields` that turns the groups into
 * what the reference's `get()` returns. `create()` builds a fresh parser per input, so nothing leaks from one input to
 * the next (the reference keeps the regex and header lines in singleton objects).
 */
import type {Fields, FormatDefinition, FormatOptions, LineParser} from '../source/parse/format.js';
import {pythonSliceFrom, pythonSplitSpaces, pythonStrip} from '../source/parse/python-text.js';
import {createRegexParser} from '../source/parse/regex-parser.js';

/** Field name → fragment (Python `re` syntax), the reference's `W3cExtendedFormat.fields`. */
export const w3cBaseFields: Readonly<Record<string, string>> = {
	date: String.raw`"?(?P<date>\d+[-\d+]+)"?`,
	// The fraction of the seconds is dropped (and `time` is joined into `date` by the regex parser).
	time: String.raw`"?(?P<time>[\d+:]+)[.\d]*?"?`,
	'cs-uri-stem': String.raw`(?P<path>/\S*)`,
	'cs-uri-query': String.raw`(?P<query_string>\S*)`,
	'c-ip': String.raw`"?(?P<ip>[\w*.:-]*)"?`,
	'cs(User-Agent)': String.raw`(?P<user_agent>".*?"|\S*)`,
	'cs(Referer)': String.raw`(?P<referrer>\S+)`,
	'sc-status': String.raw`(?P<status>\d+)`,
	'sc-bytes': String.raw`(?P<length>\S+)`,
	'cs-host': String.raw`(?P<host>\S+)`,
	'cs-method': String.raw`(?P<method>\S+)`,
	'cs-username': String.raw`(?P<userid>\S+)`,
	'time-taken': String.raw`(?P<generation_time_secs>[.\d]+)`,
};

/**
 * The fragment for a field the format does not know. The reference uses `(?:".*?"|\S+)`, whose alternatives overlap:
 * a quoted value can end at any later quote, or be split into bare tokens. When a line does not match, the engine
 * tries every combination, exponential in the number of fields (an Incapsula line under the generic W3C regex ran for
 * more than 20 s). This fragment makes the same first choice as the reference (the shortest quoted run whose closing
 * quote is followed by whitespace, else a bare token) but never a second one, so a field has one way to match and
 * failing lines fail in linear time. Lines that match are split exactly as the reference splits them on its first
 * path; only the reference's rescue of some malformed lines by re-splitting quoted runs is lost.
 */
export const W3C_UNKNOWN_FIELD = String.raw`(?:"(?:[^"]|"(?=\S))*"(?!\S)|(?!"(?:[^"]|"(?=\S))*"(?!\S))\S+)`;

/** Incapsula quotes every field: the reference's `".*?"`, made single-choice the same way. */
export const W3C_QUOTED_UNKNOWN_FIELD = String.raw`"(?:[^"]|"(?=\S))*"(?!\S)`;

const FIELDS_LINE_PREFIX = '#Fields: ';
const W3C_DATE_FORMAT = '%Y-%m-%d %H:%M:%S';

export interface W3cFormatSpec {
	name: string;
	description: string;
	/** Added to or replacing entries of `w3cBaseFields` (the subclass's `fields.update(...)`). */
	fields?: Readonly<Record<string, string>>;
	/** Default: `W3C_UNKNOWN_FIELD`. */
	unknownField?: string;
	/** What the subclass's `get()` changes, applied once per matched line. */
	fixFields?: (fields: Fields) => Fields | null;
	sampleLines: readonly string[];
}

/**
 * `--w3c-field-regex` values must hold a named group (checked at start-up by the reference, whatever the format).
 * Throws the reference's message.
 */
export function checkW3cFieldRegexes(options: FormatOptions): void {
	for (const [field, regex] of Object.entries(options.w3cFieldRegex)) {
		if (!regex.includes('(?P<')) {
			throw new Error(`cannot find named group in custom w3c field regex '${regex}' for field '${field}'`);
		}
	}
}

/**
 * The reference's `create_regex` header scan over the input's leading `#` lines: strip each line, skip blank ones,
 * stop at the first line that is not a comment, take the first `#Fields: ` line. The `#` lines before it are kept for
 * the IIS check. `--w3c-fields` replaces the scan (and then no header line is kept).
 */
export function findFieldsLine(options: FormatOptions, headerLines: readonly string[]): {fieldsLine: string; headerLines: string[]} | null {
	if (options.w3cFields) return {fieldsLine: options.w3cFields, headerLines: []};
	const before: string[] = [];
	for (const raw of headerLines) {
		const line = pythonStrip(raw);
		if (line === '') continue;
		if (!line.startsWith('#')) break;
		if (line.startsWith(FIELDS_LINE_PREFIX)) return {fieldsLine: line, headerLines: before};
		before.push(line);
	}

	return null;
}

/** The field name → fragment table of one format for these options (time-taken unit, mapped names, custom regexes). */
export function expectedFields(spec: Pick<W3cFormatSpec, 'fields'>, options: FormatOptions): Map<string, string> {
	const expected = new Map(Object.entries({...w3cBaseFields, ...spec.fields}));
	if (options.w3cTimeTakenMillisecs) expected.set('time-taken', String.raw`(?P<generation_time_milli>[\d.]+)`);
	// `--w3c-map-field date-local=date` moves the `date` entry to `date-local`; `date` itself becomes unknown.
	for (const [mappedName, fieldName] of Object.entries(options.w3cMapField)) {
		const fragment = expected.get(fieldName);
		if (fragment === undefined) {
			// The reference raises KeyError here (and its start-up check meant to give this message crashes instead).
			throw new Error(`custom W3C field mapping error: don't know how to parse and use the '${fieldName}' field`);
		}

		expected.set(mappedName, fragment);
		expected.delete(fieldName);
	}

	for (const [field, regex] of Object.entries(options.w3cFieldRegex)) expected.set(field, regex);
	return expected;
}

/** The Python pattern for a `#Fields:` line: one fragment per field, joined by `\s+`. */
export function w3cPattern(fieldsLine: string, expected: ReadonlyMap<string, string>, unknownField: string): string {
	// `fields_line[9:]`: the prefix is cut by length, even for `--w3c-fields` text that does not start with it.
	const names = pythonSplitSpaces(pythonStrip(pythonSliceFrom(fieldsLine, FIELDS_LINE_PREFIX.length)));
	return names.map(name => expected.get(name) ?? unknownField).join(String.raw`\s+`);
}

export function defineW3cFormat(spec: W3cFormatSpec): FormatDefinition {
	const unknownField = spec.unknownField ?? W3C_UNKNOWN_FIELD;
	return {
		name: spec.name,
		kind: 'w3c',
		autoDetect: true,
		description: spec.description,
		sampleLines: spec.sampleLines,
		create(options: FormatOptions, headerLines: readonly string[]): LineParser | null {
			checkW3cFieldRegexes(options);
			const found = findFieldsLine(options, headerLines);
			if (found === null) return null;
			return createRegexParser({
				name: spec.name,
				kind: 'w3c',
				pattern: w3cPattern(found.fieldsLine, expectedFields(spec, options), unknownField),
				dateFormat: W3C_DATE_FORMAT,
				headerLines: found.headerLines,
				fixFields: spec.fixFields,
			});
		},
	};
}
