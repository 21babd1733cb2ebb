/**
 * A `LineParser` for a regex format (the reference's `RegexFormat`): a Python pattern, matched like `re.match`.
 */
import type {Fields, FormatDefinition, FormatKind, LineParser} from './format.js';
import {translatePythonRegex} from './python-regex.js';

export const DEFAULT_DATE_FORMAT = '%d/%b/%Y:%H:%M:%S';

export interface RegexParserSpec {
	name: string;
	kind: FormatKind;
	/** Python `re` syntax. */
	pattern: string;
	/** Python strptime directives of `date`; default `%d/%b/%Y:%H:%M:%S`. */
	dateFormat?: string;
	headerLines?: readonly string[];
	/** A format's own post-processing of the groups; `null` rejects the line. */
	fixFields?: (fields: Fields) => Fields | null;
	/**
	 * A cheap test every matching line passes. For patterns whose backtracking explodes on lines that do not match
	 * (chains of `.*`), it turns those lines away in linear time; the pattern decides the rest.
	 */
	quickCheck?: (line: string) => boolean;
}

export function createRegexParser(spec: RegexParserSpec): LineParser {
	const translated = translatePythonRegex(spec.pattern);
	// `re.match` is anchored at the start only: trailing junk after the match is accepted.
	const regex = new RegExp(`^(?:${translated.source})`, translated.flags);
	const hasTime = translated.groupNames.includes('time');
	// `time` never comes out of a parse (it is joined into `date`), so it is not a group the format yields.
	const names = hasTime ? translated.groupNames.filter((name) => name !== 'time') : translated.groupNames;
	const fixFields = spec.fixFields;
	const quickCheck = spec.quickCheck;

	const parse = (line: string): Fields | null => {
		if (quickCheck !== undefined && !quickCheck(line)) return null;
		const match = regex.exec(line);
		if (match === null) return null;
		// Own object with every group key (a group that did not take part stays as `undefined`); `match.groups` has a
		// null prototype and is fresh per exec, so it can be handed out as is.
		let fields: Fields = match.groups ?? {};
		if (hasTime) {
			// The reference joins a `time` group into `date` (W3C logs and custom regexes split them).
			// (Python raises TypeError when one of them is None; here the date is then left as it is.)
			if (fields.date !== undefined && fields.time !== undefined) fields.date = `${fields.date} ${fields.time}`;
			delete fields.time;
		}
		if (fixFields !== undefined) {
			const fixed = fixFields(fields);
			if (fixed === null) return null;
			fields = fixed;
		}
		return fields;
	};

	return {
		name: spec.name,
		kind: spec.kind,
		dateFormat: spec.dateFormat ?? DEFAULT_DATE_FORMAT,
		regexSource: translated.source,
		groupNames: names,
		score: translated.groupCount,
		hasHost: names.includes('host'),
		headerLines: spec.headerLines ?? [],
		parse,
		detect: (line: string): boolean => parse(line) !== null,
	};
}

/** The reference's building blocks, in Python syntax. `HOST_PREFIX` swallows an optional `:port` after the host. */
export const HOST_PREFIX = String.raw`(?P<host>[\w\-\.]*)(?::\d+)?\s+`;
/** The request line must have three parts (method, path, protocol). */
export const COMMON_LOG_FORMAT = String.raw`(?P<ip>[\w*.:-]+)\s+\S+\s+(?P<userid>\S+)\s+\[(?P<date>.*?)\s+(?P<timezone>.*?)\]\s+`
	+ String.raw`"(?P<method>\S+)\s+(?P<path>.*?)\s+\S+"\s+(?P<status>\d+)\s+(?P<length>\S+)`;
export const NCSA_EXTENDED_LOG_FORMAT = COMMON_LOG_FORMAT + String.raw`\s+"(?P<referrer>.*?)"\s+"(?P<user_agent>.*?)"`;

export interface RegexFormatSpec {
	name: string;
	description: string;
	/** Python `re` syntax. */
	pattern: string;
	dateFormat?: string;
	/** Default true; false for `ovh` and `custom`. */
	autoDetect?: boolean;
	sampleLines: readonly string[];
	fixFields?: (fields: Fields) => Fields | null;
	quickCheck?: (line: string) => boolean;
}

/**
 * A regex format's definition. Regex formats ignore the options and the header, and their parser is stateless, so
 * `create()` compiles once and hands out the same parser to every input.
 */
export function defineRegexFormat(spec: RegexFormatSpec): FormatDefinition {
	let parser: LineParser | undefined;
	return {
		name: spec.name,
		kind: 'regex',
		autoDetect: spec.autoDetect ?? true,
		description: spec.description,
		sampleLines: spec.sampleLines,
		create(): LineParser {
			parser ??= createRegexParser({
				name: spec.name,
				kind: 'regex',
				pattern: spec.pattern,
				dateFormat: spec.dateFormat,
				fixFields: spec.fixFields,
				quickCheck: spec.quickCheck,
			});
			return parser;
		},
	};
}
