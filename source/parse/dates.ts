/**
 * Steps 19–20: the date (strptime with the format's directives, plus --add-to-date) and the time-zone offset.
 * Logs repeat the same second on many lines, so the last date text and the last time zone are cached: most lines
 * cost one string comparison.
 */
import {compileStrptime, parseTimezoneOffset} from './strptime.js';

export interface DateResult {
	seconds: number;
	micros: number;
}

export interface DateReader {
	/** Returns the UTC date, or the reason the line is invalid. */
	read(date: string, timezone: string | undefined, out: DateResult): string | undefined;
}

const months = new Map(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((name, index) => [name, index]));

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
	const y = month <= 2 ? year - 1 : year;
	const era = Math.floor(y / 400);
	const yoe = y - era * 400;
	const mp = (month + 9) % 12;
	const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
	const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
	return era * 146_097 + doe - 719_468;
}

const twoDigits = (text: string, at: number): number => {
	const a = text.charCodeAt(at) - 48;
	const b = text.charCodeAt(at + 1) - 48;
	return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/**
 * The common log format's `10/Feb/2012:16:42:07` read without strptime: the usual shape of the most common format.
 * Anything else (one-digit days, odd case, out-of-range values) returns undefined and goes the general way.
 */
function commonLogDate(text: string): number | undefined {
	if (
		text.length !== 20 ||
		text.charCodeAt(2) !== 47 ||
		text.charCodeAt(6) !== 47 ||
		text.charCodeAt(11) !== 58 ||
		text.charCodeAt(14) !== 58 ||
		text.charCodeAt(17) !== 58
	)
		return undefined;
	const month = months.get(text.slice(3, 6).toLowerCase());
	const day = twoDigits(text, 0);
	const century = twoDigits(text, 7);
	const yy = twoDigits(text, 9);
	const hour = twoDigits(text, 12);
	const minute = twoDigits(text, 15);
	const second = twoDigits(text, 18);
	if (month === undefined || day < 1 || century < 0 || yy < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
		return undefined;
	const year = century * 100 + yy;
	if (year < 1 || day > 28) {
		// Let strptime decide about the ends of months and year 0.
		if (year < 1 || day > new Date(Date.UTC(2000, month + 1, 0)).getUTCDate() || (month === 1 && day === 29)) return undefined;
	}

	return daysFromCivil(year, month + 1, day) * 86_400 + hour * 3600 + minute * 60 + second;
}

export function createDateReader(dateFormat: string, addSeconds: number): DateReader {
	const general = compileStrptime(dateFormat);
	const parse =
		dateFormat === '%d/%b/%Y:%H:%M:%S'
			? (text: string) => {
					const seconds = commonLogDate(text);
					return seconds === undefined ? general(text) : {seconds, micros: 0};
				}
			: general;
	let lastDate: string | undefined;
	let lastSeconds = 0;
	let lastMicros = 0;
	let lastZone: string | undefined;
	let lastOffset = 0;

	return {
		read(date, timezone, out) {
			if (date !== lastDate) {
				const parsed = parse(date);
				if (typeof parsed === 'string') return `invalid date or invalid format: ${parsed}`;
				lastDate = date;
				lastSeconds = parsed.seconds + addSeconds;
				lastMicros = parsed.micros;
			}

			let offset = 0;
			if (timezone !== undefined && timezone !== '') {
				if (timezone !== lastZone) {
					const zone = parseTimezoneOffset(timezone.replaceAll(':', ''));
					if (zone === null) return 'invalid timezone';
					lastZone = timezone;
					lastOffset = zone;
				}

				offset = lastOffset;
			}

			out.seconds = lastSeconds - offset;
			out.micros = lastMicros;
			return undefined;
		},
	};
}
