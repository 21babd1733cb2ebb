import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import type {Fields, FormatDefinition, FormatOptions, LineParser} from '../source/parse/format.js';
import {defaultFormatOptions} from '../source/parse/format.js';
import {headerLinesOf} from '../source/parse/detect.js';
import {pythonFloatRepr, pythonSplitSpaces, pythonStrip, pythonUnquote} from '../source/parse/python-text.js';
import {checkW3cFieldRegexes} from '../formats/w3c.js';
import w3cExtended from '../formats/w3c-extended.js';
import amazonCloudfront from '../formats/amazon-cloudfront.js';
import incapsulaW3c from '../formats/incapsula-w3c.js';
import iis from '../formats/iis.js';
import shoutcast from '../formats/shoutcast.js';

function fixtureLines(name: string): string[] {
	const text = readFileSync(new URL(`../fixtures/formats/${name}.log`, import.meta.url), 'utf8');
	return text.split('\n').filter((line, index, all) => !(line === '' && index === all.length - 1));
}

function options(overrides: Partial<FormatOptions> = {}): FormatOptions {
	return {...defaultFormatOptions, ...overrides};
}

/** The parser for a fixture (built from its header), and its data lines. */
function fixture(format: FormatDefinition, name: string, opts = options()): {parser: LineParser; data: string[]} {
	const lines = fixtureLines(name);
	const header = headerLinesOf(lines);
	const parser = format.create(opts, header);
	assert.ok(parser, `${format.name} builds a parser from ${name}`);
	const data = lines.filter(line => line.trim() !== '' && !line.trim().startsWith('#'));
	return {parser, data};
}

function plain(fields: Fields | null): Record<string, string | undefined> | null {
	return fields === null ? null : {...fields};
}

const FIREFOX_WIN = 'Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64;+rv:68.0)+Gecko/20100101+Firefox/68.0';

describe('iis', () => {
	const {parser, data} = fixture(iis, 'iis');

	it('has the reference scores and metadata', () => {
		assert.equal(parser.name, 'iis');
		assert.equal(parser.kind, 'w3c');
		assert.equal(parser.dateFormat, '%Y-%m-%d %H:%M:%S');
		// 14 groups: one more than the generic W3C format for the same header, thanks to sc-win32-status.
		assert.equal(parser.score, 14);
		assert.equal(w3cExtended.create(options(), headerLinesOf(fixtureLines('iis')))!.score, 13);
		assert.equal(parser.hasHost, true);
		assert.deepEqual(parser.headerLines, ['#Software: Microsoft Internet Information Services 8.5', '#Version: 1.0', '#Date: 2019-07-22 00:00:01']);
		assert.ok(parser.groupNames!.includes('generation_time_milli'));
	});

	it('parses lines into the reference get() values', () => {
		assert.deepEqual(plain(parser.parse(data[0]!)), {
			date: '2019-07-22 00:00:01',
			method: 'GET',
			path: '/products/list.aspx',
			query_string: 'cat=7&sort=price',
			userid: '-',
			ip: '1.2.3.4',
			// IIS writes `+` for spaces; the reference does not decode them.
			user_agent: FIREFOX_WIN,
			referrer: 'https://www.example.com/products/',
			host: 'www.example.com',
			status: '200',
			__win32_status: '0',
			length: '48213',
			// IIS time-taken is in milliseconds.
			generation_time_milli: '375',
		});
		const ipv6 = parser.parse(data[1]!)!;
		assert.equal(ipv6.ip, '2001:db8::7');
		assert.equal(ipv6.status, '304');
		assert.equal(ipv6.query_string, '-');
		assert.equal(parser.parse(data[2]!)!.userid, 'EXAMPLE\\jsmith');
		assert.equal(parser.parse(data[3]!), null);
		const error = parser.parse(data[4]!)!;
		assert.equal(error.status, '500');
		assert.equal(error.user_agent, '-');
		assert.equal(error.query_string, 'id=%C3%A9t%C3%A9');
	});

	it('accepts trailing junk (re.match is anchored at the start only)', () => {
		assert.equal(parser.parse(data[0]! + ' extra fields')!.generation_time_milli, '375');
	});
});

describe('w3c_extended (Netscaler-like)', () => {
	const {parser, data} = fixture(w3cExtended, 'w3c_extended');

	it('reads time-taken as seconds', () => {
		assert.equal(parser.score, 12);
		const first = parser.parse(data[0]!)!;
		assert.equal(first.generation_time_secs, '2');
		assert.equal(first.generation_time_milli, undefined);
		assert.ok(!('generation_time_milli' in first));
		assert.equal(first.length, '8211');
		assert.equal(first.date, '2022-11-03 09:12:40');
		assert.equal(parser.parse(data[1]!)!.generation_time_secs, '0.25');
		assert.equal(parser.parse(data[1]!)!.userid, 'jdoe');
	});

	it('drops the fraction of the time and keeps quoted fields whole', () => {
		const quoted = parser.parse(data[2]!)!;
		assert.equal(quoted.date, '2022-11-03 09:12:43');
		// The base user-agent fragment keeps the quotes (the pipeline strips them).
		assert.equal(quoted.user_agent, '"Mozilla/5.0 (X11; Linux x86_64; rv:106.0) Gecko/20100101 Firefox/106.0"');
		// The quoted cookie (an unknown field with spaces) did not shift the referrer.
		assert.equal(quoted.referrer, 'https://intranet.example.net/portal/');
	});

	it('honours --w3c-time-taken-millisecs', () => {
		const millis = w3cExtended.create(options({w3cTimeTakenMillisecs: true}), headerLinesOf(fixtureLines('w3c_extended')))!;
		const fields = millis.parse(data[1]!)!;
		assert.equal(fields.generation_time_milli, '0.25');
		assert.ok(!('generation_time_secs' in fields));
		// IIS too: the option replaces the IIS override.
		const iisMillis = iis.create(options({w3cTimeTakenMillisecs: true}), headerLinesOf(fixtureLines('iis')))!;
		assert.match(iisMillis.regexSource!, /generation_time_milli/);
	});
});

describe('W3C options and header handling', () => {
	const header = ['#Fields: date-local time-local c-ip cs-uri-stem sc-status TimeTakenMS'];
	const line = '2020-02-02 10:11:12.345 "70.95.0.1" /a/b 200 15';

	it('--w3c-map-field moves a known field to a custom name', () => {
		assert.equal(w3cExtended.create(options(), header)!.parse(line)!.date, undefined);
		const mapped = w3cExtended.create(options({w3cMapField: {'date-local': 'date', 'time-local': 'time'}}), header)!;
		const fields = mapped.parse(line)!;
		assert.equal(fields.date, '2020-02-02 10:11:12');
		assert.equal(fields.ip, '70.95.0.1');
		assert.equal(fields.path, '/a/b');
		// The default name is no longer known: a `date` column would now be an unknown field.
		const both = w3cExtended.create(options({w3cMapField: {'date-local': 'date'}}), ['#Fields: date date-local c-ip'])!;
		assert.equal(both.score, 2);
		assert.deepEqual(plain(both.parse('junk 2020-02-02 1.2.3.4')), {date: '2020-02-02', ip: '1.2.3.4'});
	});

	it('--w3c-map-field to a field the format does not know throws', () => {
		assert.throws(() => w3cExtended.create(options({w3cMapField: {foo: 'x-event'}}), header), {
			message: "custom W3C field mapping error: don't know how to parse and use the 'x-event' field",
		});
		// CloudFront knows x-event.
		assert.ok(amazonCloudfront.create(options({w3cMapField: {foo: 'x-event'}}), header));
	});

	it('--w3c-field-regex adds or overrides a field, and needs a named group', () => {
		const custom = w3cExtended.create(
			options({w3cFieldRegex: {TimeTakenMS: String.raw`(?P<generation_time_milli>\d+)`, 'sc-status': String.raw`(?P<status>\d{3})`}}),
			header,
		)!;
		const fields = custom.parse(line)!;
		assert.equal(fields.generation_time_milli, '15');
		assert.equal(fields.status, '200');
		assert.equal(custom.parse(line.replace(' 200 ', ' 2000 ')), null);
		const bad = options({w3cFieldRegex: {'sc-status': String.raw`(\d+)`}});
		const message = String.raw`cannot find named group in custom w3c field regex '(\d+)' for field 'sc-status'`;
		assert.throws(() => checkW3cFieldRegexes(bad), {message});
		assert.throws(() => w3cExtended.create(bad, header), {message});
		// Checked whatever the input, like the reference's start-up check.
		assert.throws(() => iis.create(bad, []), {message});
	});

	it('--w3c-fields replaces the header, cutting its first 9 characters', () => {
		const given = options({w3cFields: '#Fields: c-ip date time cs-uri-stem sc-status'});
		const parser = iis.create(given, [])!;
		assert.deepEqual(plain(parser.parse('1.2.3.4 2021-01-02 03:04:05 /x 200')), {
			ip: '1.2.3.4',
			date: '2021-01-02 03:04:05',
			path: '/x',
			status: '200',
		});
		// No header line is read or kept when the fields are given.
		assert.deepEqual(iis.create(given, ['#Software: Microsoft Internet Information Services', '#Fields: date time'])!.headerLines, []);
		// The cut is by length: without the prefix, the first field name loses characters.
		// `c-ip date time …`[9:] is `e time …`: no ip, no date (time, path, status remain).
		const cut = iis.create(options({w3cFields: 'c-ip date time cs-uri-stem sc-status'}), [])!;
		assert.equal(cut.score, 3);
		assert.ok(!cut.groupNames!.includes('ip') && !cut.groupNames!.includes('date'));
		assert.ok(cut.groupNames!.includes('path'));
	});

	it('returns null without a #Fields: line, and never loops on a header-only input', () => {
		assert.equal(w3cExtended.create(options(), []), null);
		assert.equal(iis.create(options(), ['#Software: Microsoft IIS', '#Version: 1.0', '', '#Date: x']), null);
		// `#Fields:` with nothing after it is stripped to `#Fields:`, which lacks the `#Fields: ` prefix.
		assert.equal(iis.create(options(), ['#Fields:   ']), null);
		// A BOM is not whitespace for Python's strip(): such a header is not a header.
		assert.equal(iis.create(options(), ['\uFEFF#Fields: date time']), null);
	});

	it('takes the first #Fields: line; header lines are the # lines before it, stripped', () => {
		const parser = shoutcast.create(options(), ['  #Software: X  ', '', '#Fields:  c-ip   date time ', '#Fields: date', '#Remark: after'])!;
		assert.deepEqual(parser.headerLines, ['#Software: X']);
		assert.equal(parser.score, 3);
		assert.equal(parser.parse('1.2.3.4   2001-02-03\t04:05:06')!.date, '2001-02-03 04:05:06');
		// Header scanning stops at the first non-comment line.
		assert.equal(shoutcast.create(options(), ['#Software: X', 'data', '#Fields: date']), null);
	});

	it('builds a fresh parser per input (no state carried over)', () => {
		const first = w3cExtended.create(options(), ['#Fields: date time cs-uri-stem'])!;
		const second = w3cExtended.create(options(), ['#Fields: cs-uri-stem sc-status'])!;
		assert.equal(first.parse('2020-01-01 00:00:00 /a')!.path, '/a');
		assert.equal(second.parse('/b 404')!.status, '404');
		assert.equal(first.parse('/b 404'), null);
		// A later input without a header gets no parser, not the previous input's regex.
		assert.equal(w3cExtended.create(options(), ['#Software: none']), null);
	});
});

describe('amazon_cloudfront', () => {
	it('web: double-decoded user agent, viewer host, constant event category', () => {
		const {parser, data} = fixture(amazonCloudfront, 'amazon_cloudfront');
		assert.equal(parser.score, 15);
		const fields = parser.parse(data[0]!)!;
		assert.equal(fields.user_agent, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15');
		assert.equal(fields.host, 'www.example.com');
		assert.equal(fields.path, '/docs/guide.html');
		assert.equal(fields.query_string, 'page=2');
		assert.equal(fields.status, '200');
		assert.equal(fields.generation_time_secs, '0.004');
		assert.equal(fields.length, '10240');
		assert.equal(fields.event_category, 'cloudfront_rtmp');
		assert.ok(!('event_action' in fields));
		assert.equal(fields.date, '2024-02-10 14:22:31');
		assert.equal(parser.parse(data[1]!)!.ip, '2001:db8:1::5');
		// `%2520%25E2%2582%25AC` → `%20%E2%82%AC` → ` €`.
		assert.equal(parser.parse(data[2]!)!.user_agent, 'curl/8.4.0 €');
		assert.equal(parser.parse(data[2]!)!.host, 'downloads.example.com');
	});

	it('rtmp: events, path from the rtmp URL, status 200 when the log has none', () => {
		const {parser, data} = fixture(amazonCloudfront, 'amazon_cloudfront-rtmp');
		assert.equal(parser.score, 10);
		const connect = parser.parse(data[0]!)!;
		assert.equal(connect.path, '/s1a2b3c4d5e6f7.cloudfront.net/cfx/st');
		assert.equal(connect.event_category, 'cloudfront_rtmp');
		assert.equal(connect.event_action, 'connect');
		assert.equal(connect.event_name, '-');
		assert.equal(connect.status, '200');
		assert.equal(connect.user_agent, 'MAC 11,7,700,169');
		assert.equal(connect.length, '1902');
		assert.equal(parser.parse(data[1]!)!.event_name, 'trailer.mp4');
		assert.equal(parser.parse(data[2]!)!.event_action, 'stop');
		// The generic W3C format cannot read `rtmp://` stems.
		assert.equal(w3cExtended.create(options(), headerLinesOf(fixtureLines('amazon_cloudfront-rtmp')))!.parse(data[0]!), null);
	});
});

describe('shoutcast', () => {
	it('decodes the user agent once and reads x-duration as seconds', () => {
		const {parser, data} = fixture(shoutcast, 'shoutcast');
		assert.equal(parser.score, 8);
		assert.deepEqual(plain(parser.parse(data[0]!)), {
			ip: '203.0.113.7',
			date: '2021-06-01 20:15:44',
			path: '/live?type=.mp3',
			status: '200',
			user_agent: 'VLC/3.0.16 LibVLC/3.0.16',
			length: '1048576',
			generation_time_secs: '95',
		});
		assert.equal(parser.parse(data[1]!)!.user_agent, 'Winamp/5.9 (compatible) ♫');
		assert.equal(parser.parse(data[1]!)!.generation_time_secs, '3.5');
		const bad = parser.parse(data[2]!)!;
		assert.equal(bad.user_agent, 'Lavf/58.76.100 %ZZ');
		assert.equal(bad.ip, '2001:db8::42');
	});

	it('joins a time column that comes after other fields', () => {
		const {parser, data} = fixture(shoutcast, 'shoutcast-split-date-time');
		assert.equal(parser.parse(data[0]!)!.date, '2021-06-01 20:15:44');
		assert.equal(parser.parse(data[1]!)!.date, '2021-06-02 06:01:02');
		assert.ok(!('time' in parser.parse(data[1]!)!));
	});
});

describe('incapsula_w3c', () => {
	const {parser, data} = fixture(incapsulaW3c, 'incapsula_w3c');

	it('reads quoted fields as the reference get() does', () => {
		assert.equal(parser.score, 10);
		assert.deepEqual(plain(parser.parse(data[0]!)), {
			date: '2022-09-14 11:04:58',
			ip: '1.2.3.4',
			user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:104.0) Gecko/20100101 Firefox/104.0',
			host: 'shop.example.com',
			path: '/catalog/item.php',
			// cs-method keeps the base fragment: the quotes stay.
			method: '"GET"',
			query_string: 'id=77',
			status: '200',
			length: '4210',
		});
	});

	it('turns an empty status into 200 and strips quotes from length', () => {
		const post = parser.parse(data[1]!)!;
		assert.equal(post.status, '200');
		assert.equal(post.length, '');
		assert.equal(post.method, '"POST"');
		assert.equal(post.query_string, '');
		assert.equal(post.path, '/cart');
		const ipv6 = parser.parse(data[2]!)!;
		assert.equal(ipv6.ip, '2001:db8::99');
		assert.equal(ipv6.status, '404');
		assert.equal(ipv6.query_string, 'q=red+shoes');
	});

	it('reads cs(Referer) when the header spells it so (the usual Incapsula spelling cs(Referrer) is unknown)', () => {
		const referer = incapsulaW3c.create(options(), ['#Fields: date time c-ip cs-uri cs(Referer) sc-status'])!;
		assert.deepEqual(plain(referer.parse('"2022-01-01" "00:00:01" "1.2.3.4" "a.example/x" "https://b.example/" "301"')), {
			date: '2022-01-01 00:00:01',
			ip: '1.2.3.4',
			host: 'a.example',
			path: '/x',
			referrer: 'https://b.example/',
			status: '301',
		});
		assert.equal(parser.parse(data[0]!)!.referrer, undefined);
	});

	it('fails fast where the reference backtracks for minutes', () => {
		// The generic W3C regex on an Incapsula line: every field quoted, so `sc-status` (\d+) never matches.
		const generic = w3cExtended.create(options(), headerLinesOf(fixtureLines('incapsula_w3c')))!;
		const many = Array.from({length: 120}, (_, i) => (i % 2 === 0 ? '"a b c"' : '"x y"')).join(' ');
		const started = performance.now();
		for (const line of data) assert.equal(generic.parse(line), null);
		assert.equal(generic.parse(`${data[0]} ${many}`), null);
		const wide = w3cExtended.create(options(), [`#Fields: date ${Array.from({length: 80}, (_, i) => `x-${i}`).join(' ')} sc-status`])!;
		assert.equal(wide.parse(`2022-01-01 ${many} "200"`), null);
		assert.equal(
			incapsulaW3c.create(options(), [`#Fields: date ${Array.from({length: 80}, (_, i) => `x-${i}`).join(' ')} sc-status`])!.parse(`"2022-01-01" ${many} 200`),
			null,
		);
		assert.ok(performance.now() - started < 1000, 'no catastrophic backtracking');
	});
});

describe('the unknown-field fragment', () => {
	const parser = w3cExtended.create(options(), ['#Fields: date x-a x-b cs-uri-stem x-c sc-status'])!;

	it('splits lines like the reference on its first path', () => {
		// A quoted value with spaces is one field.
		assert.deepEqual(plain(parser.parse('2020-01-01 " garbage w/ spaces " - /p "q r" 200')), {
			date: '2020-01-01',
			path: '/p',
			status: '200',
		});
		// A quote inside a bare token (not followed by whitespace) does not end a field.
		assert.equal(parser.parse('2020-01-01 a"b "x"y z" /p c 201')!.status, '201');
		// An unclosed quote is a bare token.
		assert.equal(parser.parse('2020-01-01 "abc def /p c 202')!.status, '202');
		assert.equal(parser.parse('2020-01-01 "" - /p "" 203')!.status, '203');
	});
});

describe('Python text helpers', () => {
	it('unquote like urllib.parse.unquote', () => {
		assert.equal(pythonUnquote('a+b%20c'), 'a+b c');
		assert.equal(pythonUnquote('%2520'), '%20');
		assert.equal(pythonUnquote('%E2%82'), '\uFFFD');
		assert.equal(pythonUnquote('%E2%82%41'), '\uFFFDA');
		assert.equal(pythonUnquote('%ED%A0%80x'), '\uFFFD\uFFFD\uFFFDx');
		assert.equal(pythonUnquote('%EF%BB%BFa'), '\uFEFFa');
		assert.equal(pythonUnquote('a%zz%4'), 'a%zz%4');
		assert.equal(pythonUnquote('é%C3%A9%e2%82%ac'), 'éé€');
		assert.equal(pythonUnquote('\udc80%41'), '\udc80A');
	});

	it('strip and split on Python whitespace', () => {
		assert.equal(pythonStrip('\x1c\u00a0 #x \x85'), '#x');
		assert.equal(pythonStrip('\uFEFF#x'), '\uFEFF#x');
		assert.deepEqual(pythonSplitSpaces('a \t b\u3000c'), ['a', 'b', 'c']);
		assert.deepEqual(pythonSplitSpaces(''), ['']);
	});

	it('repr floats like Python', () => {
		assert.equal(pythonFloatRepr(5), '5.0');
		assert.equal(pythonFloatRepr(1e16), '1e+16');
		assert.equal(pythonFloatRepr(1e-5), '1e-05');
		assert.equal(pythonFloatRepr(0.0001), '0.0001');
		assert.equal(pythonFloatRepr(0.1 + 0.2), '0.30000000000000004');
		// The nearest double to 123456789012345678, as Python prints it.
		assert.equal(pythonFloatRepr(123_456_789_012_345_680), '1.2345678901234568e+17');
		assert.equal(pythonFloatRepr(-0), '-0.0');
		assert.equal(pythonFloatRepr(10002.425284), '10002.425284');
	});
});
