/**
 * nginx access logs written as JSON, with the group names as keys: ip, host, path, status, referrer, user_agent,
 * length, generation_time_milli (in seconds, despite the name), date (ISO 8601 with offset).
 */
import type {Fields} from '../source/parse/format.js';
import {pythonFloat} from '../source/python/semantics.js';
import {type JsonObject, defineJsonFormat, rawFields, splitCodePoints} from './json.js';

/** Python `float(value)` of a decoded JSON value; null where Python raises. */
function jsonFloat(value: unknown): number | null {
	if (typeof value === 'number') return value;
	if (typeof value === 'boolean') return value ? 1 : 0;
	if (typeof value === 'string') return pythonFloat(value);
	return null;
}

/** Python `str(int(x))`. */
function intText(value: number): string {
	return BigInt(Math.trunc(value)).toString();
}

/**
 * The reference's `NginxJsonFormat.get()`, computed once per line. Its `get()` mutated the JSON (a second
 * `get('generation_time_milli')` multiplied again, a second `get('date')` cleared the time zone); each value here is
 * what the first call returns, which is the only call the import pipeline makes.
 */
function toFields(json: JsonObject): Fields {
	const fields = rawFields(json);
	if ('date' in fields) {
		const date = json.date;
		if (typeof date === 'string') {
			// ISO 8601: the first 19 characters are the local time, the rest the offset (`+02:00` → `+0200`).
			const [local, offset] = splitCodePoints(date, 19);
			fields.date = local;
			fields.timezone = offset.replaceAll(':', '');
		} else {
			// Python slices only text; the reference crashes on such a line.
			delete fields.date;
		}
	}

	if ('generation_time_milli' in fields) {
		// Seconds in the log: `int(float(v) * 1000)`. A value Python cannot convert leaves no generation time.
		const seconds = jsonFloat(json.generation_time_milli);
		const milli = seconds === null ? Number.NaN : seconds * 1000;
		if (Number.isFinite(milli)) fields.generation_time_milli = intText(milli);
		else delete fields.generation_time_milli;
	}

	// The pipeline calls `int(get('length'))` on the raw JSON value: a JSON float is truncated, not rejected.
	const length = json.length;
	if (typeof length === 'number' && Number.isFinite(length)) fields.length = intText(length);
	return fields;
}

export default defineJsonFormat({
	name: 'nginx_json',
	description: 'nginx JSON access logs (keys named after the import groups)',
	dateFormat: '%Y-%m-%dT%H:%M:%S',
	detectKeys: ['referrer', 'date'],
	// nginx writes `\xHH` for bytes that are not UTF-8, which is not JSON; the reference turns it into `\u00HH`.
	prepare: line => (line.includes('\\x') ? line.replaceAll('\\x', '\\u00') : line),
	toFields,
	sampleLines: [
		'{"ip": "1.2.3.4", "host": "www.example.com", "path": "/blog/2024/hello-world?ref=rss", "status": "200", "referrer": "https://news.example.net/", "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0", "length": 15320, "generation_time_milli": 0.042, "date": "2024-01-19T08:30:12+01:00"}',
		'{"ip": "1.2.3.4", "host": "www.example.com", "path": "/feed.xml", "status": "304", "referrer": "-", "user_agent": "FreshRSS/1.23 (Linux; https://freshrss.org)", "length": 0, "generation_time_milli": 0.001, "date": "2024-01-19T08:31:00+01:00"}',
	],
});
