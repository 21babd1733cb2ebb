import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import type {FormatDefinition, LineParser} from '../source/parse/format.js';
import {defaultFormatOptions} from '../source/parse/format.js';
import caddyJson, {caddyDate} from '../formats/caddy-json.js';
import nginxJson from '../formats/nginx-json.js';
import traefikJson from '../formats/traefik-json.js';

function fixtureLines(name: string): string[] {
	const text = readFileSync(new URL(`../fixtures/formats/${name}.log`, import.meta.url), 'utf8');
	return text.split('\n').filter(line => line !== '');
}

function parserOf(format: FormatDefinition): LineParser {
	const parser = format.create(defaultFormatOptions, []);
	assert.ok(parser);
	return parser;
}

describe('JSON format metadata', () => {
	for (const [format, dateFormat] of [
		[nginxJson, '%Y-%m-%dT%H:%M:%S'],
		[traefikJson, '%Y-%m-%dT%H:%M:%S'],
		[caddyJson, '%Y-%m-%dT%H:%M:%S.%f'],
	] as const) {
		it(format.name, () => {
			const parser = parserOf(format);
			assert.equal(format.kind, 'json');
			assert.equal(format.autoDetect, true);
			assert.equal(parser.kind, 'json');
			assert.equal(parser.regexSource, null);
			assert.equal(parser.groupNames, null);
			assert.equal(parser.score, null);
			assert.equal(parser.hasHost, true);
			assert.deepEqual(parser.headerLines, []);
			assert.equal(parser.dateFormat, dateFormat);
			for (const line of format.sampleLines) assert.ok(parser.parse(line), line);
		});
	}
});

describe('nginx_json', () => {
	const parser = parserOf(nginxJson);
	const lines = fixtureLines('nginx_json');

	it('splits the ISO date and converts seconds to whole milliseconds', () => {
		const fields = parser.parse(lines[0]!)!;
		assert.equal(fields.date, '2024-01-19T08:30:12');
		assert.equal(fields.timezone, '+0100');
		assert.equal(fields.generation_time_milli, '42');
		assert.equal(fields.length, '15320');
		assert.equal(fields.status, '200');
		assert.equal(fields.path, '/blog/2024/hello-world?ref=rss');
		assert.equal(fields.referrer, 'https://news.example.net/');
		assert.equal(fields.host, 'www.example.com');
		assert.ok(!('query_string' in fields));
		// Computed once: parsing again gives the same values (the reference's get() multiplied again).
		assert.deepEqual({...parser.parse(lines[0]!)}, {...fields});
	});

	it('rewrites \\x escapes, reads text seconds and truncates a float length', () => {
		const fields = parser.parse(lines[1]!)!;
		// `\xc3\xa9` becomes `\u00c3\u00a9`: two Latin-1 characters, as naive as the reference.
		assert.equal(fields.path, '/caf\u00c3\u00a9/menu');
		assert.equal(fields.ip, '2001:db8::3');
		assert.equal(fields.timezone, '-0530');
		assert.equal(fields.generation_time_milli, '15');
		assert.equal(fields.length, '812');
		// Detection decodes the raw line, which is not JSON.
		assert.equal(parser.detect(lines[1]!), false);
	});

	it('leaves a missing key absent, a null value undefined', () => {
		const noTime = parser.parse(lines[2]!)!;
		assert.ok(!('generation_time_milli' in noTime));
		assert.equal(noTime.timezone, 'Z');
		assert.equal(parser.parse(lines[3]!), null);
		const nullAgent = parser.parse(lines[4]!)!;
		assert.ok('user_agent' in nullAgent);
		assert.equal(nullAgent.user_agent, undefined);
		assert.equal(nullAgent.generation_time_milli, '0');
		assert.equal(nullAgent.userid, 'ops');
		assert.equal(nullAgent.timezone, '+0000');
	});

	it('drops values Python cannot convert', () => {
		const fields = parser.parse('{"date": 5, "generation_time_milli": "fast", "referrer": "-", "status": 200, "path": "/"}')!;
		assert.ok(!('date' in fields));
		assert.ok(!('generation_time_milli' in fields));
		assert.equal(fields.status, '200');
		assert.equal(parser.parse('[1, 2]'), null);
	});

	it('detects on the referrer and date keys', () => {
		assert.equal(parser.detect(lines[0]!), true);
		assert.equal(parser.detect('{"date": "2024-01-01T00:00:00"}'), false);
		assert.equal(parser.detect('{"referrer": "", "date": ""}'), true);
		assert.equal(parser.detect('not json'), false);
	});
});

describe('traefik_json', () => {
	const parser = parserOf(traefikJson);
	const lines = fixtureLines('traefik_json');

	it('maps the Traefik keys to groups, with the reference quirks', () => {
		const fields = parser.parse(lines[0]!)!;
		assert.equal(fields.ip, '1.2.3.4');
		assert.equal(fields.host, 'app.example.com');
		assert.equal(fields.method, 'GET');
		// query_string is '' (not missing), so the query string stays in the path.
		assert.equal(fields.path, '/api/items?page=3');
		assert.equal(fields.query_string, '');
		assert.equal(fields.status, '200');
		assert.equal(fields.length, '2048');
		assert.equal(fields.referrer, 'https://app.example.com/');
		assert.equal(fields.user_agent, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/125.0');
		assert.equal(fields.userid, '-');
		// Duration in ns ÷ 1e6, printed as a Python float.
		assert.equal(fields.generation_time_milli, '3.5204');
		// The offset of `time` is cut off and ignored (reference bug, kept): the local time is taken as UTC.
		assert.equal(fields.date, '2024-05-02T18:04:11');
		assert.equal(fields.timezone, '');
		for (const group of ['event_category', 'event_action', 'event_name', 'generation_time_micro', 'generation_time_secs']) {
			assert.equal(fields[group], '', group);
		}
		// Renamed keys are not there under their Traefik names; the others are.
		assert.ok(!('Duration' in fields));
		assert.equal(fields.RequestProtocol, 'HTTP/2.0');
	});

	it('gives "" for missing keys and str() of other values', () => {
		const second = parser.parse(lines[1]!)!;
		assert.equal(second.referrer, '');
		assert.equal(second.generation_time_milli, '5.0');
		assert.equal(second.userid, 'alice');
		assert.equal(second.status, '404');
		const third = parser.parse(lines[2]!)!;
		assert.equal(third.generation_time_milli, '');
		assert.equal(third.user_agent, '');
		assert.equal(third.userid, 'None');
		assert.equal(third.ip, '2001:db8::9');
		assert.equal(third.date, '2024-05-02T16:04:13');
		assert.equal(parser.parse('{"Duration": "slow", "time": 12}')!.generation_time_milli, '');
		assert.equal(parser.parse('{"Duration": "slow", "time": 12}')!.date, '');
	});

	it('detects on the msg, level and time keys', () => {
		assert.equal(parser.detect(lines[0]!), true);
		assert.equal(parser.detect('{"msg": "", "level": "info"}'), false);
	});
});

describe('caddy_json', () => {
	const parser = parserOf(caddyJson);
	const lines = fixtureLines('caddy_json');

	it('derives the groups from the nested request', () => {
		const fields = parser.parse(lines[0]!)!;
		assert.equal(fields.date, '2024-05-27T16:00:00.250001');
		assert.equal(fields.timezone, '+0000');
		assert.equal(fields.ip, '1.2.3.4');
		assert.equal(fields.host, 'docs.example.org');
		assert.equal(fields.method, 'GET');
		assert.equal(fields.path, '/guide/install?lang=de');
		assert.equal(fields.referrer, 'https://docs.example.org/guide/');
		assert.equal(fields.user_agent, 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36');
		assert.equal(fields.status, '200');
		assert.equal(fields.length, '18234');
		// `str(duration * 1000.)`, float noise included.
		assert.equal(fields.generation_time_milli, '3.1207000000000003');
		// An empty user id is a value (sent as uid="").
		assert.equal(fields.userid, '');
		// get() returns None for anything else: present, undefined.
		assert.ok('query_string' in fields);
		assert.equal(fields.query_string, undefined);
		assert.equal(fields.event_category, undefined);
	});

	it('prints Python floats and keeps the rounding of datetime.fromtimestamp', () => {
		const second = parser.parse(lines[1]!)!;
		assert.equal(second.generation_time_milli, '0.0');
		assert.equal(second.date, '2024-05-27T16:00:01.500000');
		assert.equal(second.ip, '2001:db8::5');
		assert.equal(second.userid, 'bob');
		assert.equal(caddyDate(1703373474.8155608), '2023-12-23T23:17:54.815561');
		assert.equal(caddyDate(1703373474.9011197), '2023-12-23T23:17:54.901120');
		assert.equal(caddyDate(0.0000005), '1970-01-01T00:00:00.000000');
		assert.equal(caddyDate(1.0000005), '1970-01-01T00:00:01.000001');
		assert.equal(caddyDate(1000000000.9999996), '2001-09-09T01:46:41.000000');
		assert.equal(caddyDate(-1.5), '1969-12-31T23:59:58.500000');
		assert.equal(caddyDate(1e15), null);
	});

	it('rejects a line missing a key the reference reads with [] (no client_ip)', () => {
		assert.equal(parser.parse(lines[2]!), null);
		// Still detected as Caddy: detection only looks at the top-level keys.
		assert.equal(parser.detect(lines[2]!), true);
	});

	it('gives undefined referrer and user agent without those headers', () => {
		const fields = parser.parse(lines[3]!)!;
		assert.ok('user_agent' in fields && 'referrer' in fields);
		assert.equal(fields.user_agent, undefined);
		assert.equal(fields.referrer, undefined);
		assert.equal(fields.generation_time_milli, '125.0');
		assert.equal(fields.status, '204');
	});

	it('detects on the request, user_id and resp_headers keys', () => {
		assert.equal(parser.detect(lines[0]!), true);
		assert.equal(parser.detect('{"request": {}, "user_id": ""}'), false);
		assert.equal(parser.detect(fixtureLines('traefik_json')[0]!), false);
	});
});
