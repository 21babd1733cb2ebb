/**
 * The contract between the engine and the log formats in `formats/`.
 *
 * A format is data plus a tiny parser: a definition (name, kind, sample lines) whose `create()` returns a
 * `LineParser` for one input. Regex formats ignore the header; W3C formats build their regex from the input's
 * `#Fields:` line; JSON formats read keys.
 */

/**
 * One parsed line: group name → value, as the reference importer's `format.get(name)` returns it.
 * - a key that is absent: the format has no such group (the reference raises BaseFormatException);
 * - `undefined`: the group exists but did not take part in the match (Python `None`);
 * - a string: the value, after the format's own fix-ups (W3C `time` joined into `date`, Incapsula quotes removed,
 *   CloudFront user agent decoded twice, nginx generation time in ms, …).
 */
export type Fields = Record<string, string | undefined>;

/** Options that change how formats are built (`--w3c-*`, `--log-date-format`). */
export interface FormatOptions {
	/** `--w3c-fields`: a whole `#Fields: …` line to use instead of the file's. */
	w3cFields?: string;
	/** `--w3c-map-field KEY=VAL`: read the W3C field KEY as the known field VAL. */
	w3cMapField: Record<string, string>;
	/** `--w3c-field-regex KEY=VAL`: a custom (Python-syntax) regex for a W3C field; must hold a named group. */
	w3cFieldRegex: Record<string, string>;
	/** `--w3c-time-taken-millisecs`. */
	w3cTimeTakenMillisecs: boolean;
}

export type FormatKind = 'regex' | 'w3c' | 'json';

/** A parser for one input, ready to parse its lines. */
export interface LineParser {
	/** The format's name, e.g. `ncsa_extended`, or `custom` for `--log-format-regex`. */
	readonly name: string;
	readonly kind: FormatKind;
	/** Python strptime directives of the `date` field, e.g. `%d/%b/%Y:%H:%M:%S`. */
	readonly dateFormat: string;
	/** The JavaScript regex source in use (for `--dump-log-regex`); `null` for JSON formats. */
	readonly regexSource: string | null;
	/** The same regex in the Python syntax it was written in (what `--log-format-regex` takes); absent for JSON formats. */
	readonly pattern?: string;
	/** The named groups the format can yield; `null` for JSON formats (keys vary per line). */
	readonly groupNames: readonly string[] | null;
	/**
	 * Detection score when a line matches: the total number of capture groups of the regex, unnamed ones included
	 * (Python's `len(match.groups())`). `null` for JSON formats: a JSON match wins outright in the reference.
	 */
	readonly score: number | null;
	/** Whether a `host` can come out of this format (the site-by-hostname mode needs one). True for JSON formats. */
	readonly hasHost: boolean;
	/** `#` lines of the W3C header other than `#Fields:` (for the IIS time-taken warning). Empty for others. */
	readonly headerLines: readonly string[];
	/** Parse one line (without its line terminator). `null` when the line does not match. */
	parse(line: string): Fields | null;
	/**
	 * Whether the line looks like this format, for auto-detection. For regex formats, the same as `parse() !== null`;
	 * JSON formats check for their keys (nginx: `referrer` and `date`; traefik: `msg`, `level`, `time`; caddy:
	 * `request`, `user_id`, `resp_headers`).
	 */
	detect(line: string): boolean;
}

export interface FormatDefinition {
	readonly name: string;
	readonly kind: FormatKind;
	/** False for `ovh` (and custom): the reference's auto-detection never picks it. */
	readonly autoDetect: boolean;
	/** One line summary for `--help`, the wizard's format list. */
	readonly description: string;
	/**
	 * Realistic sample lines of this format (a W3C format's start with its `#` header lines). They double as tests
	 * and as the wizard's example.
	 */
	readonly sampleLines: readonly string[];
	/**
	 * Build the parser for one input. `headerLines` are the lines at the start of the input that begin with `#`
	 * (blank lines among them dropped), up to the first data line. Returns `null` when the format cannot read this
	 * input (a W3C format with no `#Fields:` line and no `--w3c-fields`).
	 */
	create(options: FormatOptions, headerLines: readonly string[]): LineParser | null;
}

export const defaultFormatOptions: FormatOptions = {
	w3cMapField: {},
	w3cFieldRegex: {},
	w3cTimeTakenMillisecs: false,
};
