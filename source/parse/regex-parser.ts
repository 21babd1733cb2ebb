/**
 * A `LineParser` for a regex format (the reference's `RegexFormat`): a Python pattern, matched like `re.match`.
 */
import type {Fields, FormatDefinition, FormatKind, LineParser} from './format.js';
import {translatePythonRegex, type TranslatedRegex} from './python-regex.js';

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

/**
 * Named groups → numbered ones, and a function that builds the fields from a match. V8 gives `match.groups` a null
 * prototype and a shape per exec; a literal built by one function has one hidden class, which every later property
 * read of the pipeline is faster on. It also spares the engine the groups object of every exec.
 */
/** Formats are tried on every input's sample: each pattern is numbered (and its function compiled) once. */
const numbered = new Map<string, {source: string; fields: (match: RegExpExecArray) => Fields}>();

export function numberGroups(source: string): {source: string; fields: (match: RegExpExecArray) => Fields} {
	let known = numbered.get(source);
	if (known === undefined) numbered.set(source, (known = numberGroupsOnce(source)));
	return known;
}

function numberGroupsOnce(source: string): {source: string; fields: (match: RegExpExecArray) => Fields} {
	const names: Array<[string, number]> = [];
	const indexByName = new Map<string, number>();
	// First pass: the number of every capturing group, in order of their opening parenthesis.
	let count = 0;
	let inClass = false;
	for (let i = 0; i < source.length; i++) {
		const c = source[i];
		if (c === '\\') {
			i++;
			continue;
		}

		if (inClass) {
			if (c === ']') inClass = false;
			continue;
		}

		if (c === '[') {
			inClass = true;
		} else if (c === '(') {
			if (source[i + 1] !== '?') {
				count++;
			} else if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
				count++;
				const end = source.indexOf('>', i);
				const name = source.slice(i + 3, end);
				names.push([name, count]);
				indexByName.set(name, count);
			}
		}
	}

	// Second pass: drop the names, turn `\k<name>` into `\N`.
	let out = '';
	inClass = false;
	for (let i = 0; i < source.length; i++) {
		const c = source[i]!;
		if (c === '\\') {
			const next = source[i + 1];
			if (!inClass && next === 'k' && source[i + 2] === '<') {
				const end = source.indexOf('>', i);
				// \N followed by a digit would read as a longer number: a non-capturing group ends it.
				out += `(?:\\${indexByName.get(source.slice(i + 3, end))})`;
				i = end;
				continue;
			}

			out += c + (next ?? '');
			i++;
			continue;
		}

		if (inClass) {
			if (c === ']') inClass = false;
			out += c;
			continue;
		}

		if (c === '[') inClass = true;
		if (c === '(' && source[i + 1] === '?' && source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
			out += '(';
			i = source.indexOf('>', i);
			continue;
		}

		out += c;
	}

	const fields = new Function('m', `return {${names.map(([name, index]) => `${JSON.stringify(name)}: m[${index}]`).join(', ')}};`) as (
		match: RegExpExecArray,
	) => Fields;
	return {source: out, fields};
}

/** Formats are tried on every input's sample: each pattern is translated once per run. */
const translations = new Map<string, TranslatedRegex>();

export function createRegexParser(spec: RegexParserSpec): LineParser {
	let translated = translations.get(spec.pattern);
	if (translated === undefined) translations.set(spec.pattern, (translated = translatePythonRegex(spec.pattern)));
	const numbered = numberGroups(translated.source);
	// `re.match` is anchored at the start only: trailing junk after the match is accepted.
	const regex = new RegExp(`^(?:${numbered.source})`, translated.flags);
	const toFields = numbered.fields;
	const hasTime = translated.groupNames.includes('time');
	// `time` never comes out of a parse (it is joined into `date`), so it is not a group the format yields.
	const names = hasTime ? translated.groupNames.filter(name => name !== 'time') : translated.groupNames;
	const fixFields = spec.fixFields;
	const quickCheck = spec.quickCheck;

	const parse = (line: string): Fields | null => {
		if (quickCheck !== undefined && !quickCheck(line)) return null;
		const match = regex.exec(line);
		if (match === null) return null;
		// Every group key, a group that did not take part as `undefined`.
		let fields: Fields = toFields(match);
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
		pattern: spec.pattern,
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
export const COMMON_LOG_FORMAT =
	String.raw`(?P<ip>[\w*.:-]+)\s+\S+\s+(?P<userid>\S+)\s+\[(?P<date>.*?)\s+(?P<timezone>.*?)\]\s+` +
	String.raw`"(?P<method>\S+)\s+(?P<path>.*?)\s+\S+"\s+(?P<status>\d+)\s+(?P<length>\S+)`;
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
