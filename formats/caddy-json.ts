/**
 * Caddy v2 structured access logs (`log { format json }`).
 */
import type {Fields} from '../source/parse/format.js';
import {pythonFloatRepr, pythonStr} from '../source/parse/python-text.js';
import {type JsonObject, defineJsonFormat, jsonText, rawFields} from './json.js';

const DATE_FORMAT = '%Y-%m-%dT%H:%M:%S.%f';

/** `request` keys that `get_all()` reads with `[]` (a KeyError there fails the whole line). */
const requestKeys = ['client_ip', 'host', 'method', 'uri'];

/** Groups the reference's `get()` answers with `None` (no exception) when the line has no such key. */
const optionalGroups = ['query_string', 'event_category', 'event_action', 'event_name', 'generation_time_micro', 'generation_time_secs'];

/** Python's `round()` on a float: halves go to the even neighbour. */
function roundHalfEven(value: number): number {
	const floor = Math.floor(value);
	const diff = value - floor;
	if (diff < 0.5) return floor;
	if (diff > 0.5) return floor + 1;
	return floor % 2 === 0 ? floor : floor + 1;
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/**
 * `datetime.fromtimestamp(ts, timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')`. CPython splits the float into whole
 * seconds and a fraction, and rounds the fraction to microseconds half-to-even (`…474.8155608` → `.815561`).
 */
export function caddyDate(ts: number): string | null {
	if (!Number.isFinite(ts)) return null;
	let seconds = Math.trunc(ts);
	let micros = roundHalfEven((ts - seconds) * 1e6);
	if (micros >= 1e6) {
		seconds += 1;
		micros -= 1e6;
	} else if (micros < 0) {
		seconds -= 1;
		micros += 1e6;
	}

	const date = new Date(seconds * 1000);
	const year = date.getUTCFullYear();
	// Python's datetime stops at years 1–9999 (and raises).
	if (Number.isNaN(year) || year < 1 || year > 9999) return null;
	return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(micros, 6)}`;
}

function isObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `next(iter(headers.get(name, [])), None)`: the first value of a header. */
function firstHeader(headers: JsonObject, name: string): string | undefined | null {
	if (!Object.hasOwn(headers, name)) return undefined;
	const values = headers[name];
	if (Array.isArray(values)) return values.length === 0 ? undefined : jsonText(values[0]);
	// Iterating a text yields its first character, a dict its first key; anything else raises (null: no line).
	if (typeof values === 'string') return values === '' ? undefined : String.fromCodePoint(values.codePointAt(0)!);
	if (isObject(values)) return Object.keys(values)[0];
	return null;
}

/**
 * The reference's `CaddyJsonFormat.get_all()`. A missing key there (an older Caddy without `request.client_ip`, say)
 * raised for every group and crashed the import; here the line is invalid instead.
 */
function toFields(json: JsonObject): Fields | null {
	const {ts, size, status, duration, request} = json;
	if (typeof ts !== 'number' || size === undefined || status === undefined || typeof duration !== 'number') return null;
	if (!Object.hasOwn(json, 'user_id') || !isObject(request)) return null;
	const headers = request.headers;
	if (!requestKeys.every(key => Object.hasOwn(request, key)) || !isObject(headers)) return null;
	const date = caddyDate(ts);
	const referrer = firstHeader(headers, 'Referer');
	const userAgent = firstHeader(headers, 'User-Agent');
	if (date === null || referrer === null || userAgent === null) return null;

	const fields = rawFields(json);
	fields.date = date;
	fields.timezone = '+0000';
	fields.length = pythonStr(size);
	fields.status = pythonStr(status);
	// `str(duration * 1000.)`: seconds → milliseconds, printed as a Python float.
	fields.generation_time_milli = pythonFloatRepr(duration * 1000);
	fields.userid = jsonText(json.user_id);
	fields.ip = jsonText(request.client_ip);
	fields.host = jsonText(request.host);
	fields.method = jsonText(request.method);
	// The query string stays in the path (the pipeline finds `query_string` as None).
	fields.path = jsonText(request.uri);
	fields.referrer = referrer;
	// No User-Agent header: None (the reference then crashes on `.startswith`).
	fields.user_agent = userAgent;
	for (const group of optionalGroups) if (!(group in fields)) fields[group] = undefined;
	return fields;
}

export default defineJsonFormat({
	name: 'caddy_json',
	description: 'Caddy v2 JSON access logs',
	dateFormat: DATE_FORMAT,
	detectKeys: ['request', 'user_id', 'resp_headers'],
	toFields,
	sampleLines: [
		'{"level":"info","ts":1716825600.2500012,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"1.2.3.4","remote_port":"51234","client_ip":"1.2.3.4","proto":"HTTP/2.0","method":"GET","host":"docs.example.org","uri":"/guide/install?lang=de","headers":{"User-Agent":["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36"],"Referer":["https://docs.example.org/guide/"],"Accept":["text/html"]},"tls":{"resumed":false,"version":772,"proto":"h2","server_name":"docs.example.org"}},"bytes_read":0,"user_id":"","duration":0.0031207,"size":18234,"status":200,"resp_headers":{"Server":["Caddy"],"Content-Type":["text/html; charset=utf-8"]}}',
		'{"level":"info","ts":1716825601.5,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"1.2.3.4","remote_port":"51234","client_ip":"1.2.3.4","proto":"HTTP/2.0","method":"GET","host":"docs.example.org","uri":"/img/logo.svg","headers":{"User-Agent":["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36"],"Referer":["https://docs.example.org/guide/install?lang=de"]}},"bytes_read":0,"user_id":"bob","duration":0.000412,"size":2210,"status":200,"resp_headers":{"Server":["Caddy"]}}',
	],
});
