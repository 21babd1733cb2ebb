/**
 * Traefik access logs in JSON (`accessLog.format=json` with the request headers kept).
 */
import type {Fields} from '../source/parse/format.js';
import {pythonFloatRepr, pythonStr} from '../source/parse/python-text.js';
import {type JsonObject, defineJsonFormat, rawFields, splitCodePoints} from './json.js';

/** Group name → Traefik key (the reference's `TRAEFIK_KEYS_MAPPING`). */
const keyOfGroup: Readonly<Record<string, string>> = {
	date: 'time',
	generation_time_milli: 'Duration',
	host: 'RequestHost',
	ip: 'ClientHost',
	length: 'DownstreamContentSize',
	method: 'RequestMethod',
	path: 'RequestPath',
	referrer: 'request_Referer',
	status: 'DownstreamStatus',
	userid: 'ClientUsername',
	user_agent: 'request_User-Agent',
};

/**
 * Every group the pipeline asks for. The reference's `get()` never raises: an unmapped or missing key is `''`. So
 * `query_string` is `''` and the query string stays in `path`; `timezone` is `''`, so the offset of `time` is
 * ignored (a reference bug kept on purpose: it decides the dates Matomo receives); events are `''`.
 */
const groups = [
	...Object.keys(keyOfGroup),
	'query_string',
	'timezone',
	'event_category',
	'event_action',
	'event_name',
	'generation_time_micro',
	'generation_time_secs',
];

/** The renamed keys are not in `get_all()` under their Traefik names. */
const mappedKeys = new Set(Object.values(keyOfGroup));

/** The reference's `TraefikJsonFormat.get(group)`: `str(value)`, `''` on any error. */
function traefikGet(json: JsonObject, group: string): string {
	const key = keyOfGroup[group];
	if (key === undefined || !Object.hasOwn(json, key)) return '';
	const value = json[key];
	if (group === 'generation_time_milli') {
		// Nanoseconds → milliseconds with Python's true division (a float: `10002.425284`, `5.0`).
		if (typeof value === 'number' || typeof value === 'boolean') return pythonFloatRepr(Number(value) / 1_000_000);
		return '';
	}

	if (group === 'date') {
		// `value[:19]`: the offset is cut off (and dropped, see above).
		return typeof value === 'string' ? splitCodePoints(value, 19)[0] : '';
	}

	return pythonStr(value);
}

function toFields(json: JsonObject): Fields {
	const fields = rawFields(json, mappedKeys);
	for (const group of groups) fields[group] = traefikGet(json, group);
	return fields;
}

export default defineJsonFormat({
	name: 'traefik_json',
	description: 'Traefik JSON access logs',
	dateFormat: '%Y-%m-%dT%H:%M:%S',
	detectKeys: ['msg', 'level', 'time'],
	toFields,
	sampleLines: [
		'{"ClientAddr":"1.2.3.4:40112","ClientHost":"1.2.3.4","ClientPort":"40112","ClientUsername":"-","DownstreamContentSize":2048,"DownstreamStatus":200,"Duration":3520400,"OriginContentSize":2048,"OriginDuration":3311000,"OriginStatus":200,"Overhead":209400,"RequestAddr":"app.example.com","RequestContentSize":0,"RequestCount":42,"RequestHost":"app.example.com","RequestMethod":"GET","RequestPath":"/api/items?page=3","RequestPort":"-","RequestProtocol":"HTTP/2.0","RequestScheme":"https","RetryAttempts":0,"RouterName":"app@docker","ServiceName":"app@docker","StartUTC":"2024-05-02T16:04:11.120034Z","entryPointName":"websecure","level":"info","msg":"","request_Referer":"https://app.example.com/","request_User-Agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/125.0","time":"2024-05-02T18:04:11+02:00"}',
		'{"ClientAddr":"1.2.3.4:40113","ClientHost":"1.2.3.4","ClientUsername":"alice","DownstreamContentSize":0,"DownstreamStatus":404,"Duration":812000,"RequestHost":"app.example.com","RequestMethod":"HEAD","RequestPath":"/missing","RequestProtocol":"HTTP/1.1","level":"info","msg":"","request_User-Agent":"curl/8.5.0","time":"2024-05-02T18:04:12+02:00"}',
	],
});
