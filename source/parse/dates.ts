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

export function createDateReader(dateFormat: string, addSeconds: number): DateReader {
	const parse = compileStrptime(dateFormat);
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
