/**
 * Python's `datetime.strptime` (CPython 3.11 `_strptime`, C/English locale), compiled once per format.
 *
 * Like Python, the format becomes one regex matched case-insensitively: each whitespace run of the format matches
 * one or more whitespace characters, literal text must match exactly (but ignoring case), `\d` is any Unicode
 * decimal digit, and text left after the match is an error ("unconverted data remains"). The date is then checked
 * as `datetime(...)` would (Feb 30, second 60, year 0 are errors).
 *
 * The result is the date read as UTC (integer Unix seconds plus microseconds): the engine applies `--add-to-date`
 * and the log's time zone itself.
 */

export interface ParsedDate {
	/** Integer Unix epoch seconds, the text read as UTC. */
	seconds: number;
	/** 0..999999. */
	micros: number;
	/**
	 * Only with `%z`: the offset east of UTC in microseconds. Python then returns an aware datetime: `seconds` stays
	 * the wall time read as UTC (as above) and `isoformat(' ')` appends the offset (see `formatCdt`).
	 */
	utcOffsetMicros?: number;
}

/** Python's `str.isspace()` characters (what `\s` matches in a str pattern). */
const SPACE_CLASS = '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const SPACE_RUN = new RegExp(`${SPACE_CLASS}+`, 'uy');

/** Whether `char` is Python whitespace (SPACE_RUN, from its start). */
function spaceAt(char: string): boolean {
	SPACE_RUN.lastIndex = 0;
	return SPACE_RUN.test(char);
}

const D = '\\p{Nd}';

const A_WEEKDAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const F_WEEKDAY = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const A_MONTH = ['', 'jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const F_MONTH = ['', 'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const AM_PM = ['am', 'pm'];
/** `time.tzname` of a UTC machine plus Python's fixed `utc` and `gmt`. */
const TZ_NAMES = ['utc', 'gmt'];

/** Python's `__seqToRE`: longest first, so that a name is not cut at a shorter one. */
function alternatives(values: readonly string[]): string {
	const sorted = values.filter(value => value !== '').sort((a, b) => b.length - a.length);
	return `(${sorted.join('|')})`;
}

/** `_strptime.TimeRE`, with `\d` spelled for JavaScript. `%c`, `%x`, `%X` expand to other directives. */
const DIRECTIVES: Record<string, string> = {
	d: `(3[0-1]|[1-2]${D}|0[1-9]|[1-9]| [1-9])`,
	f: '([0-9]{1,6})',
	H: `(2[0-3]|[0-1]${D}|${D})`,
	I: '(1[0-2]|0[1-9]|[1-9])',
	G: `(${D}${D}${D}${D})`,
	j: `(36[0-6]|3[0-5]${D}|[1-2]${D}${D}|0[1-9]${D}|00[1-9]|[1-9]${D}|0[1-9]|[1-9])`,
	m: '(1[0-2]|0[1-9]|[1-9])',
	M: `([0-5]${D}|${D})`,
	S: `(6[0-1]|[0-5]${D}|${D})`,
	U: `(5[0-3]|[0-4]${D}|${D})`,
	W: `(5[0-3]|[0-4]${D}|${D})`,
	w: '([0-6])',
	u: '([1-7])',
	V: `(5[0-3]|0[1-9]|[1-4]${D}|${D})`,
	y: `(${D}${D})`,
	Y: `(${D}${D}${D}${D})`,
	// Python: `[+-]\d\d:?[0-5]\d(:?[0-5]\d(\.\d{1,6})?)?|(?-i:Z)`; the case-sensitive `Z` is checked after the match,
	// since Node 20 has no scoped `(?-i:…)`. The inner groups are made non-capturing: only the whole value is read.
	z: `([+-]${D}${D}:?[0-5]${D}(?::?[0-5]${D}(?:\\.${D}{1,6})?)?|Z)`,
	A: alternatives(F_WEEKDAY),
	a: alternatives(A_WEEKDAY),
	B: alternatives(F_MONTH),
	b: alternatives(A_MONTH),
	p: alternatives(AM_PM),
	Z: alternatives(TZ_NAMES),
};
const EXPANSIONS: Record<string, string> = {c: '%a %b %d %H:%M:%S %Y', x: '%m/%d/%y', X: '%H:%M:%S'};
/** What Python escapes in the format before reading directives (`%` followed by one of these is a bad directive). */
const REGEX_CHARS = new Set('\\.^$*+?(){}[]|');
const JS_SYNTAX = new Set('\\^$.*+?()[]{}|/');

/** Python's `repr()` of a str, for error messages. */
export function pythonRepr(text: string): string {
	const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
	let out = quote;
	for (const char of text) {
		const cp = char.codePointAt(0)!;
		if (char === quote || char === '\\') out += '\\' + char;
		else if (char === '\n') out += '\\n';
		else if (char === '\r') out += '\\r';
		else if (char === '\t') out += '\\t';
		else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
		else if (cp >= 0x80 && !/^[^\p{C}\p{Z}]$/u.test(char) && char !== ' ') {
			out +=
				cp <= 0xff
					? '\\x' + cp.toString(16).padStart(2, '0')
					: cp <= 0xffff
						? '\\u' + cp.toString(16).padStart(4, '0')
						: '\\U' + cp.toString(16).padStart(8, '0');
		} else out += char;
	}
	return out + quote;
}

const NON_ASCII_DIGIT = /\p{Nd}/u;

/** The value of one Unicode decimal digit (`Nd` digits come in contiguous runs of ten, 0 first). */
function digitValue(cp: number): number {
	if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
	let start = cp;
	while (NON_ASCII_DIGIT.test(String.fromCodePoint(start - 1))) start--;
	return (cp - start) % 10;
}

/** Python `int()` of a matched run of digits (a leading space, as `%d` allows, is skipped). */
function toInt(text: string): number {
	let value = 0;
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code >= 0x30 && code <= 0x39) value = value * 10 + (code - 0x30);
		else if (code === 0x20) continue;
		else {
			const cp = text.codePointAt(index)!;
			if (cp > 0xffff) index++;
			value = value * 10 + digitValue(cp);
		}
	}
	return value;
}

function isLeap(year: number): boolean {
	return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const DAYS_BEFORE_MONTH = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

function daysInMonth(year: number, month: number): number {
	if (month === 2) return isLeap(year) ? 29 : 28;
	return DAYS_BEFORE_MONTH[month + 1] === undefined ? 31 : DAYS_BEFORE_MONTH[month + 1] - DAYS_BEFORE_MONTH[month];
}

/** Python's `date.toordinal()` (0001-01-01 is day 1). */
function toOrdinal(year: number, month: number, day: number): number {
	const y = year - 1;
	return y * 365 + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + DAYS_BEFORE_MONTH[month] + (month > 2 && isLeap(year) ? 1 : 0) + day;
}

/** Python's `date.fromordinal()`; null when the year leaves 1..9999. */
function fromOrdinal(ordinal: number): [number, number, number] | null {
	if (ordinal < 1 || ordinal > 3652059) return null;
	// Civil-from-days (Howard Hinnant), shifted from the Unix epoch.
	const z = ordinal - 719163 + 719468;
	const era = Math.floor(z / 146097);
	const doe = z - era * 146097;
	const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
	const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
	const mp = Math.floor((5 * doy + 2) / 153);
	const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
	const month = mp < 10 ? mp + 3 : mp - 9;
	return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Monday is 0, as Python's `date.weekday()`. */
function weekdayOf(ordinal: number): number {
	return (ordinal + 6) % 7;
}

/** Unix epoch day of ordinal 1 is -719162. */
const ORDINAL_OF_EPOCH = 719163;

type Parser = (text: string) => ParsedDate | string;

/**
 * Compile a Python strptime format. The returned function gives the parsed date or, like Python's `ValueError`,
 * an error message. A format Python rejects (bad directive, stray `%`) yields a function that always returns that
 * message, because the reference reports it per line as an invalid date.
 */
export function compileStrptime(format: string): Parser {
	const directives: string[] = [];
	let source = '';
	const build = (fmt: string): string | null => {
		const chars = Array.from(fmt);
		for (let index = 0; index < chars.length; index++) {
			const char = chars[index];
			SPACE_RUN.lastIndex = 0;
			if (SPACE_RUN.test(char)) {
				while (index + 1 < chars.length && spaceAt(chars[index + 1]!)) index++;
				source += `${SPACE_CLASS}+`;
				continue;
			}
			if (char !== '%') {
				source += JS_SYNTAX.has(char) ? '\\' + char : char;
				continue;
			}
			const directive = chars[++index];
			if (directive === undefined) return `stray % in format ${pythonRepr(format)}`;
			if (directive === '%') {
				source += '%';
				continue;
			}
			// Python has already escaped regex characters and replaced whitespace, so it sees `\` as the directive.
			SPACE_RUN.lastIndex = 0;
			if (REGEX_CHARS.has(directive) || SPACE_RUN.test(directive)) return `'%' is a bad directive in format ${pythonRepr(format)}`;
			const expansion = EXPANSIONS[directive];
			if (expansion !== undefined) {
				const error = build(expansion);
				if (error !== null) return error;
				continue;
			}
			const regex = Object.hasOwn(DIRECTIVES, directive) ? DIRECTIVES[directive] : undefined;
			if (regex === undefined) return `${pythonRepr(directive)} is a bad directive in format ${pythonRepr(format)}`;
			if (directives.includes(directive)) {
				// Python raises re.error here (which the reference does not catch).
				return `redefinition of group name ${pythonRepr(directive)} in format ${pythonRepr(format)}`;
			}
			directives.push(directive);
			source += regex;
		}
		return null;
	};
	const formatError = build(format);
	if (formatError !== null) return () => formatError;

	const regex = new RegExp(`^(?:${source})`, 'iu');
	const noMatch = (text: string): string => `time data ${pythonRepr(text)} does not match format ${pythonRepr(format)}`;
	const count = directives.length;
	const ampmGroup = directives.indexOf('p') + 1;

	return (text: string): ParsedDate | string => {
		const match = regex.exec(text);
		if (match === null) return noMatch(text);
		if (match[0].length !== text.length) return `unconverted data remains: ${text.slice(match[0].length)}`;

		let year: number | null = null;
		let month = 1;
		let day = 1;
		let hour = 0;
		let minute = 0;
		let second = 0;
		let micros = 0;
		let julian: number | null = null;
		let weekday: number | null = null;
		let weekOfYear: number | null = null;
		let weekStartsMonday = false;
		let isoYear: number | null = null;
		let isoWeek: number | null = null;
		let utcOffsetMicros: number | undefined;
		// `%I` reads the AM/PM marker wherever it is in the format.
		const ampm = ampmGroup > 0 ? match[ampmGroup].toLowerCase() : '';

		for (let index = 0; index < count; index++) {
			const value = match[index + 1];
			switch (directives[index]) {
				case 'y': {
					const short = toInt(value);
					year = short <= 68 ? short + 2000 : short + 1900;
					break;
				}
				case 'Y':
					year = toInt(value);
					break;
				case 'G':
					isoYear = toInt(value);
					break;
				case 'm':
					month = toInt(value);
					break;
				case 'B':
				case 'b': {
					const found = (directives[index] === 'B' ? F_MONTH : A_MONTH).indexOf(value.toLowerCase());
					if (found < 1) return `${pythonRepr(value.toLowerCase())} is not in list`;
					month = found;
					break;
				}
				case 'd':
					day = toInt(value);
					break;
				case 'H':
					hour = toInt(value);
					break;
				case 'I':
					hour = toInt(value);
					if (ampm === '' || ampm === 'am') {
						if (hour === 12) hour = 0;
					} else if (ampm === 'pm' && hour !== 12) {
						hour += 12;
					}
					break;
				case 'M':
					minute = toInt(value);
					break;
				case 'S':
					second = toInt(value);
					break;
				case 'f':
					micros = Number.parseInt(value.padEnd(6, '0'), 10);
					break;
				case 'A':
				case 'a': {
					const found = (directives[index] === 'A' ? F_WEEKDAY : A_WEEKDAY).indexOf(value.toLowerCase());
					if (found < 0) return `${pythonRepr(value.toLowerCase())} is not in list`;
					weekday = found;
					break;
				}
				case 'w':
					weekday = (toInt(value) + 6) % 7;
					break;
				case 'u':
					weekday = toInt(value) - 1;
					break;
				case 'j':
					julian = toInt(value);
					break;
				case 'U':
				case 'W':
					weekOfYear = toInt(value);
					weekStartsMonday = directives[index] === 'W';
					break;
				case 'V':
					isoWeek = toInt(value);
					break;
				case 'z': {
					if (value === 'z') return noMatch(text); // Python matches `Z` case-sensitively
					utcOffsetMicros = parseZ(value) ?? undefined;
					if (utcOffsetMicros === undefined) return `Inconsistent use of : in ${value}`;
					break;
				}
				default:
					break; // %Z and %p: read elsewhere or ignored, as in Python
			}
		}

		if (year === null && isoYear !== null) {
			if (isoWeek === null || weekday === null) {
				return "ISO year directive '%G' must be used with the ISO week directive '%V' and a weekday directive ('%A', '%a', '%w', or '%u').";
			}
			if (julian !== null) return "Day of the year directive '%j' is not compatible with ISO year directive '%G'. Use '%Y' instead.";
		} else if (weekOfYear === null && isoWeek !== null) {
			if (weekday === null) {
				return "ISO week directive '%V' must be used with the ISO year directive '%G' and a weekday directive ('%A', '%a', '%w', or '%u').";
			}
			return "ISO week directive '%V' is incompatible with the year directive '%Y'. Use the ISO year '%G' instead.";
		}

		let leapYearFix = false;
		if (year === null && month === 2 && day === 29) {
			year = 1904;
			leapYearFix = true;
		} else if (year === null) {
			year = 1900;
		}

		if (julian === null && weekday !== null) {
			if (weekOfYear !== null) {
				if (year < 1 || year > 9999) return `year ${year} is out of range`;
				julian = julianFromWeek(year, weekOfYear, weekday, weekStartsMonday);
			} else if (isoYear !== null && isoWeek !== null) {
				if (isoYear < 1 || isoYear > 9999) return `year ${isoYear} is out of range`;
				[year, julian] = julianFromIsoWeek(isoYear, isoWeek, weekday + 1);
			}
			if (julian !== null && julian <= 0) {
				year--;
				julian += isLeap(year) ? 366 : 365;
			}
		}

		if (year < 1 || year > 9999) return `year ${year} is out of range`;
		if (julian === null) {
			if (day > daysInMonth(year, month)) return 'day is out of range for month';
		} else {
			const date = fromOrdinal(julian - 1 + toOrdinal(year, 1, 1));
			if (date === null) return `year ${year + 1} is out of range`;
			[year, month, day] = date;
		}
		if (leapYearFix) {
			year = 1900;
			if (day > daysInMonth(year, month)) return 'day is out of range for month';
		}
		if (second > 59) return 'second must be in 0..59';

		const days = toOrdinal(year, month, day) - ORDINAL_OF_EPOCH;
		const result: ParsedDate = {seconds: days * 86400 + hour * 3600 + minute * 60 + second, micros};
		if (utcOffsetMicros !== undefined) {
			if (Math.abs(utcOffsetMicros) >= 86400_000_000) {
				return 'offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24).';
			}
			result.utcOffsetMicros = utcOffsetMicros;
		}
		return result;
	};
}

/** `%z` value → microseconds east of UTC; null for Python's "Inconsistent use of :". */
function parseZ(value: string): number | null {
	if (value === 'Z') return 0;
	let z = value;
	if (z[3] === ':') {
		z = z.slice(0, 3) + z.slice(4);
		if (z.length > 5) {
			if (z[5] !== ':') return null;
			z = z.slice(0, 5) + z.slice(6);
		}
	}
	// The digits may be non-ASCII (`\d`), so count in code points.
	const chars = Array.from(z);
	const hours = toInt(chars.slice(1, 3).join(''));
	const minutes = toInt(chars.slice(3, 5).join(''));
	const seconds = chars.length > 5 ? toInt(chars.slice(5, 7).join('')) : 0;
	const fraction = chars.slice(8).join('');
	const micros = fraction === '' ? 0 : toInt(fraction.padEnd(6, '0'));
	const total = (hours * 3600 + minutes * 60 + seconds) * 1_000_000 + micros;
	return value.startsWith('-') ? -total : total;
}

/** `_strptime._calc_julian_from_U_or_W`. */
function julianFromWeek(year: number, weekOfYear: number, weekday: number, weekStartsMonday: boolean): number {
	let firstWeekday = weekdayOf(toOrdinal(year, 1, 1));
	let dayOfWeek = weekday;
	if (!weekStartsMonday) {
		firstWeekday = (firstWeekday + 1) % 7;
		dayOfWeek = (dayOfWeek + 1) % 7;
	}
	const week0Length = (7 - firstWeekday) % 7;
	if (weekOfYear === 0) return 1 + dayOfWeek - firstWeekday;
	return 1 + week0Length + 7 * (weekOfYear - 1) + dayOfWeek;
}

/** `_strptime._calc_julian_from_V`: returns [year, julian]. */
function julianFromIsoWeek(isoYear: number, isoWeek: number, isoWeekday: number): [number, number] {
	const correction = weekdayOf(toOrdinal(isoYear, 1, 4)) + 1 + 3;
	let ordinal = isoWeek * 7 + isoWeekday - correction;
	let year = isoYear;
	if (ordinal < 1) {
		ordinal += toOrdinal(year, 1, 1);
		year--;
		ordinal -= toOrdinal(year, 1, 1);
	}
	return [year, ordinal];
}

function pad(value: number, width: number): string {
	return String(value).padStart(width, '0');
}

/** Python's `datetime.isoformat(' ')`: `YYYY-MM-DD HH:MM:SS`, `.ffffff` when micros ≠ 0, then the `%z` offset. */
export function formatCdt(date: ParsedDate): string {
	const days = Math.floor(date.seconds / 86400);
	const secondOfDay = date.seconds - days * 86400;
	const [year, month, day] = fromOrdinal(days + ORDINAL_OF_EPOCH) ?? [NaN, NaN, NaN];
	let text =
		`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(Math.floor(secondOfDay / 3600), 2)}:` +
		`${pad(Math.floor(secondOfDay / 60) % 60, 2)}:${pad(secondOfDay % 60, 2)}`;
	if (date.micros !== 0) text += '.' + pad(date.micros, 6);
	if (date.utcOffsetMicros !== undefined) {
		const offset = Math.abs(date.utcOffsetMicros);
		const seconds = Math.floor(offset / 1_000_000);
		text += (date.utcOffsetMicros < 0 ? '-' : '+') + pad(Math.floor(seconds / 3600), 2) + ':' + pad(Math.floor(seconds / 60) % 60, 2);
		if (seconds % 60 !== 0 || offset % 1_000_000 !== 0) text += ':' + pad(seconds % 60, 2);
		if (offset % 1_000_000 !== 0) text += '.' + pad(offset % 1_000_000, 6);
	}
	return text;
}

/**
 * The reference's `timedelta_from_timezone`, in seconds east of UTC: `n = int(tz)`, `hours = int(abs(n) / 100)`,
 * `minutes = abs(n) % 100`, both with the sign of n (so `-0040` is −40 minutes, and `+0075` is 1h15). `null` when
 * Python's `int()` would raise ValueError. `int()` accepts surrounding whitespace, a sign, `_` between digits and
 * any Unicode decimal digits.
 */
export function parseTimezoneOffset(tz: string): number | null {
	const match =
		/^[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*([+-]?)(\p{Nd}+(?:_\p{Nd}+)*)[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/u.exec(
			tz,
		);
	if (match === null) return null;
	const n = toInt(match[2].replaceAll('_', ''));
	// Python computes `int(n / 100)` with a float division; for any realistic value that is the integer quotient.
	const hours = Math.trunc(n / 100);
	const minutes = n % 100;
	const seconds = hours * 3600 + minutes * 60;
	return match[1] === '-' && seconds !== 0 ? -seconds : seconds;
}
