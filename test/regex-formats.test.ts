import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import type {Fields, FormatDefinition, LineParser} from '../source/parse/format.js';
import {defaultFormatOptions} from '../source/parse/format.js';
import {createRegexParser, numberGroups} from '../source/parse/regex-parser.js';
import {compileStrptime} from '../source/parse/strptime.js';
import common from '../formats/common.js';
import commonVhost from '../formats/common-vhost.js';
import ncsaExtended from '../formats/ncsa-extended.js';
import commonComplete from '../formats/common-complete.js';
import s3 from '../formats/s3.js';
import icecast2 from '../formats/icecast2.js';
import elb from '../formats/elb.js';
import ovh from '../formats/ovh.js';
import haproxy from '../formats/haproxy.js';
import gandi from '../formats/gandi.js';
import {createCustomFormat} from '../formats/custom.js';

function parserOf(format: FormatDefinition): LineParser {
	const parser = format.create(defaultFormatOptions, []);
	assert.ok(parser, `${format.name} builds a parser`);
	return parser;
}

function fixtureLines(name: string): string[] {
	const text = readFileSync(new URL(`../fixtures/formats/${name}.log`, import.meta.url), 'utf8');
	return text.split('\n').filter(line => line !== '');
}

/** A plain object (group values `undefined` kept), comparable with deepEqual. */
function plain(fields: Fields | null): Record<string, string | undefined> | null {
	return fields === null ? null : {...fields};
}

interface Expectation {
	format: FormatDefinition;
	score: number;
	hasHost: boolean;
	autoDetect: boolean;
	dateFormat: string;
	/** One entry per fixture line: the groups, or null when the line must not match. */
	lines: Array<Record<string, string> | null>;
}

const UA_FIREFOX_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0';
const UA_FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0';
const UA_CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36';

const expectations: Expectation[] = [
	{
		format: common,
		score: 8,
		hasHost: false,
		autoDetect: true,
		dateFormat: '%d/%b/%Y:%H:%M:%S',
		lines: [
			{
				ip: '192.0.2.10',
				userid: '-',
				date: '03/Mar/2024:08:15:42',
				timezone: '+0100',
				method: 'GET',
				path: '/index.html',
				status: '200',
				length: '5120',
			},
			{
				ip: '2001:db8:4::2a',
				userid: 'jdoe',
				date: '03/Mar/2024:08:15:43',
				timezone: '-0330',
				method: 'POST',
				path: '/account/login?next=%2Fcart',
				status: '302',
				length: '-',
			},
			// Doubled spaces, and the referrer/user agent after the match are trailing junk.
			{
				ip: '198.51.100.77',
				userid: '-',
				date: '03/Mar/2024:08:16:01',
				timezone: '+0100',
				method: 'GET',
				path: '/img/logo.png',
				status: '304',
				length: '0',
			},
			{
				ip: '::1',
				userid: '-',
				date: '03/Mar/2024:08:16:02',
				timezone: '+0100',
				method: 'GET',
				path: '/café/menü?x=a b',
				status: '200',
				length: '42',
			},
			null, // request line with two parts
			null, // status `-`
			null,
		],
	},
	{
		format: commonVhost,
		score: 9,
		hasHost: true,
		autoDetect: true,
		dateFormat: '%d/%b/%Y:%H:%M:%S',
		lines: [
			{
				host: 'shop.example.org',
				ip: '192.0.2.10',
				userid: '-',
				date: '03/Mar/2024:08:15:42',
				timezone: '+0100',
				method: 'GET',
				path: '/cart',
				status: '200',
				length: '2048',
			},
			// The `:443` after the host is swallowed.
			{
				host: 'www.example.com',
				ip: '2001:db8::17',
				userid: '-',
				date: '03/Mar/2024:08:15:44',
				timezone: '+0100',
				method: 'GET',
				path: '/search?q=tea+pot',
				status: '200',
				length: '9311',
			},
			// The host is returned as written (the pipeline lower-cases and strips dots).
			{
				host: 'Blog.Example.NET.',
				ip: '203.0.113.5',
				userid: 'editor',
				date: '03/Mar/2024:08:17:10',
				timezone: '+0000',
				method: 'POST',
				path: '/wp-admin/post.php',
				status: '302',
				length: '-',
			},
			{
				host: '-',
				ip: '192.0.2.11',
				userid: '-',
				date: '03/Mar/2024:08:17:11',
				timezone: '+0100',
				method: 'GET',
				path: '/',
				status: '200',
				length: '1',
			},
			null, // a common line has no host
			null, // no length
		],
	},
	{
		format: ncsaExtended,
		score: 10,
		hasHost: false,
		autoDetect: true,
		dateFormat: '%d/%b/%Y:%H:%M:%S',
		lines: [
			{
				ip: '192.0.2.10',
				userid: '-',
				date: '03/Mar/2024:08:15:42',
				timezone: '+0100',
				method: 'GET',
				path: '/products/green-tea',
				status: '200',
				length: '7342',
				referrer: 'https://www.google.com/',
				user_agent: UA_FIREFOX_WIN,
			},
			{
				ip: '2001:db8:4::2a',
				userid: 'jdoe',
				date: '03/Mar/2024:08:15:43',
				timezone: '+0100',
				method: 'GET',
				path: '/downloads/manual.pdf',
				status: '200',
				length: '-',
				referrer: '-',
				user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X)',
			},
			{
				ip: '198.51.100.77',
				userid: '-',
				date: '03/Mar/2024:08:16:05',
				timezone: '+0100',
				method: 'GET',
				path: '/q?s=\\"x\\"',
				status: '404',
				length: '310',
				referrer: '',
				user_agent: '',
			},
			// The lazy user agent group stops at the escaped quote, as in the reference.
			{
				ip: '198.51.100.78',
				userid: '-',
				date: '03/Mar/2024:08:16:06',
				timezone: '+0100',
				method: 'GET',
				path: '/',
				status: '200',
				length: '12',
				referrer: '-',
				user_agent: 'Some \\',
			},
			null,
			null,
		],
	},
	{
		format: commonComplete,
		score: 11,
		hasHost: true,
		autoDetect: true,
		dateFormat: '%d/%b/%Y:%H:%M:%S',
		lines: [
			{
				host: 'www.example.com',
				ip: '192.0.2.10',
				userid: '-',
				date: '03/Mar/2024:08:15:42',
				timezone: '+0100',
				method: 'GET',
				path: '/about/',
				status: '200',
				length: '4120',
				referrer: 'https://www.example.com/',
				user_agent: UA_CHROME_LINUX,
			},
			{
				host: 'shop.example.org',
				ip: '2001:db8:85a3::8a2e:370:7334',
				userid: 'alice',
				date: '03/Mar/2024:08:15:50',
				timezone: '+0100',
				method: 'GET',
				path: '/checkout?step=2',
				status: '200',
				length: '15873',
				referrer: 'https://shop.example.org/cart',
				user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3)',
			},
			{
				host: 'static.example.com',
				ip: '198.51.100.77',
				userid: '-',
				date: '03/Mar/2024:08:16:01',
				timezone: '+0100',
				method: 'GET',
				path: '/css/site.css',
				status: '304',
				length: '-',
				referrer: '-',
				user_agent: '-',
			},
			null,
		],
	},
	{
		format: s3,
		score: 11,
		hasHost: true,
		autoDetect: true,
		dateFormat: '%d/%b/%Y:%H:%M:%S',
		lines: [
			{
				host: 'media.example.com',
				date: '03/Mar/2024:08:15:42',
				timezone: '+0000',
				ip: '192.0.2.10',
				userid: '-',
				method: 'GET',
				path: '/videos/intro.mp4',
				status: '200',
				length: '5242880',
				referrer: 'https://www.example.com/tour',
				user_agent: UA_FIREFOX_LINUX,
			},
			{
				host: 'media.example.com',
				date: '03/Mar/2024:08:15:45',
				timezone: '+0000',
				ip: '2001:db8:1::9',
				userid: 'arn:aws:iam::123456789012:user/deploy',
				method: 'PUT',
				path: '/docs/report.pdf',
				status: '200',
				length: '-',
				referrer: '-',
				user_agent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0',
			},
			{
				host: 'media.example.com',
				date: '03/Mar/2024:08:15:46',
				timezone: '+0000',
				ip: '192.0.2.10',
				userid: '-',
				method: 'GET',
				path: '/?list-type=2',
				status: '403',
				length: '243',
				referrer: '-',
				user_agent: '-',
			},
			null, // cut before the referrer
			null,
		],
	},
	{
		format: icecast2,
		score: 11,
		hasHost: false,
		autoDetect: true,
		dateFormat: '%d/%b/%Y:%H:%M:%S',
		lines: [
			{
				ip: '192.0.2.10',
				userid: '-',
				date: '03/Mar/2024:08:15:42',
				timezone: '+0100',
				method: 'GET',
				path: '/live.mp3',
				status: '200',
				length: '48213760',
				referrer: 'https://radio.example.com/player',
				user_agent: 'VLC/3.0.20 LibVLC/3.0.20',
				session_time: '3012',
			},
			{
				ip: '2001:db8::44',
				userid: '-',
				date: '03/Mar/2024:08:20:11',
				timezone: '+0100',
				method: 'GET',
				path: '/jazz.ogg',
				status: '200',
				length: '1048576',
				referrer: '-',
				user_agent: 'Lavf/60.3.100',
				session_time: '65',
			},
			{
				ip: '198.51.100.9',
				userid: 'listener',
				date: '03/Mar/2024:08:21:00',
				timezone: '+0100',
				method: 'SOURCE',
				path: '/live.mp3',
				status: '200',
				length: '-',
				referrer: '-',
				user_agent: 'butt/0.1.40',
				session_time: '-',
			},
			null, // no session time
		],
	},
	{
		format: elb,
		score: 8,
		hasHost: true,
		autoDetect: true,
		dateFormat: '%Y-%m-%dT%H:%M:%S',
		lines: [
			{
				date: '2024-03-03T07:15:42',
				ip: '192.0.2.10',
				generation_time_secs: '0.004512',
				status: '200',
				length: '6873',
				host: 'shop.example.com',
				path: '/products?page=2',
				user_agent: UA_FIREFOX_WIN,
			},
			// ALB: leading `type` token, IPv6 client.
			{
				date: '2024-03-03T07:15:43',
				ip: '2001:db8:3::7',
				generation_time_secs: '0.038',
				status: '200',
				length: '15230',
				host: 'www.example.com',
				path: '/blog/post-1',
				user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X)',
			},
			{
				date: '2024-03-03T07:15:44',
				ip: '198.51.100.4',
				generation_time_secs: '0.012',
				status: '404',
				length: '512',
				host: 'api.example.com',
				path: '/v1/items',
				user_agent: 'curl/8.5.0',
			},
			null, // backend `-`
			null, // TCP line: status `-`
			null, // no cipher/protocol fields after the user agent
		],
	},
	{
		format: ovh,
		score: 10,
		hasHost: true,
		autoDetect: false,
		dateFormat: '%d/%b/%Y:%H:%M:%S',
		lines: [
			{
				ip: '192.0.2.10',
				host: 'www.example.fr',
				userid: '-',
				date: '03/Mar/2024:08:15:42',
				timezone: '+0100',
				path: '/contact.html',
				status: '200',
				length: '3412',
				referrer: 'https://www.qwant.com/',
				user_agent: UA_FIREFOX_WIN,
			},
			{
				ip: '2001:db8:7::3',
				host: 'boutique.example.fr',
				userid: 'client42',
				date: '03/Mar/2024:08:16:30',
				timezone: '+0100',
				path: '/panier?ajout=12',
				status: '302',
				length: '-',
				referrer: 'https://boutique.example.fr/produit/12',
				user_agent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8)',
			},
			// A combined line also matches: the identity field is read as the host (why ovh is never auto-detected).
			{
				ip: '192.0.2.10',
				host: '-',
				userid: '-',
				date: '03/Mar/2024:08:15:42',
				timezone: '+0100',
				path: '/contact.html',
				status: '200',
				length: '3412',
				referrer: '-',
				user_agent: 'curl/8.5.0',
			},
			null,
		],
	},
	{
		format: haproxy,
		score: 6,
		hasHost: false,
		autoDetect: true,
		dateFormat: '%d/%b/%Y:%H:%M:%S.%f',
		lines: [
			{ip: '192.0.2.10', date: '03/Mar/2024:08:15:42.117', status: '200', length: '4821', method: 'GET', path: '/catalog/item?id=42'},
			{ip: '198.51.100.23', date: '03/Mar/2024:08:15:43.902', status: '301', length: '211', method: 'GET', path: '/old-page'},
			// The reference's IP class has no `:`: an IPv6 client is cut at its first colon.
			{ip: '2001', date: '03/Mar/2024:08:15:44.001', status: '200', length: '100', method: 'GET', path: '/v6'},
			null,
		],
	},
	{
		format: gandi,
		score: 13,
		hasHost: true,
		autoDetect: true,
		dateFormat: '%d/%b/%Y:%H:%M:%S',
		lines: [
			{
				host: 'www.example.com',
				ip: '192.0.2.10',
				userid: '-',
				date: '03/Mar/2024:08:15:42',
				timezone: '+0100',
				generation_time_secs: '0 s',
				method: 'GET',
				path: '/blog/',
				status: '200',
				length: '8452',
				referrer: 'https://duckduckgo.com/',
				user_agent: UA_FIREFOX_LINUX,
			},
			{
				host: 'shop.example.org',
				ip: '198.51.100.23',
				userid: 'admin',
				date: '03/Mar/2024:08:16:07',
				timezone: '+0100',
				generation_time_secs: '2 s',
				method: 'POST',
				path: '/admin/save',
				status: '302',
				length: '-',
				referrer: '-',
				user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3)',
			},
			{
				host: 'www.example.com',
				ip: '192.0.2.10',
				userid: '-',
				date: '03/Mar/2024:08:15:42',
				timezone: '+0100',
				generation_time_secs: '',
				method: 'GET',
				path: '/',
				status: '200',
				length: '1',
				referrer: '-',
				user_agent: 'curl/8.5.0',
			},
			null, // IPv6 is not accepted
			null, // lower-case method
			null, // empty user agent
		],
	},
];

describe('regex formats', () => {
	for (const expectation of expectations) {
		const {format} = expectation;
		describe(format.name, () => {
			const parser = parserOf(format);

			it('describes itself', () => {
				assert.equal(format.kind, 'regex');
				assert.equal(parser.kind, 'regex');
				assert.equal(parser.name, format.name);
				assert.equal(format.autoDetect, expectation.autoDetect);
				assert.equal(parser.score, expectation.score);
				assert.equal(parser.hasHost, expectation.hasHost);
				assert.equal(parser.dateFormat, expectation.dateFormat);
				assert.deepEqual(parser.headerLines, []);
				assert.equal(typeof parser.regexSource, 'string');
				assert.ok(format.description.length > 0 && !format.description.includes('\n'));
				// Stateless: the same parser for every input.
				assert.equal(format.create(defaultFormatOptions, ['# a header']), parser);
			});

			it('parses every group of its fixture lines', () => {
				const lines = fixtureLines(format.name);
				assert.equal(lines.length, expectation.lines.length, 'one expectation per fixture line');
				lines.forEach((line, index) => {
					const expected = expectation.lines[index];
					assert.deepEqual(plain(parser.parse(line)), expected, `line ${index + 1}: ${line}`);
					assert.equal(parser.detect(line), expected !== null, `detect line ${index + 1}`);
				});
			});

			it('yields exactly its group names', () => {
				const first = expectation.lines.find(line => line !== null)!;
				assert.deepEqual([...parser.groupNames!].sort(), Object.keys(first).sort());
			});

			it('parses its own sample lines, dates included', () => {
				assert.ok(format.sampleLines.length >= 2);
				const strptime = compileStrptime(parser.dateFormat);
				for (const line of format.sampleLines) {
					const fields = parser.parse(line);
					assert.ok(fields, `sample parses: ${line}`);
					const date = strptime(fields.date!);
					assert.equal(typeof date, 'object', `sample date parses: ${fields.date}`);
				}
			});

			it('accepts trailing junk after the match (re.match is anchored at the start only)', () => {
				for (const line of format.sampleLines) {
					assert.deepEqual(plain(parser.parse(`${line} and some trailing junk`)), plain(parser.parse(line)));
				}
			});
		});
	}

	it('matches at the start of the line only', () => {
		for (const format of [common, ncsaExtended, commonComplete, gandi]) {
			const line = format.sampleLines[0];
			assert.ok(parserOf(format).parse(line));
			assert.equal(parserOf(format).parse(`"junk" ${line}`), null, format.name);
		}
	});

	it('scores a combined line higher as ncsa_extended than as common', () => {
		const line = ncsaExtended.sampleLines[0];
		assert.ok(parserOf(common).parse(line));
		assert.ok(parserOf(ncsaExtended).score! > parserOf(common).score!);
	});

	it('accepts Unicode letters and digits in \\w groups and Unicode whitespace in \\s', () => {
		const parser = parserOf(commonVhost);
		const fields = parser.parse('bücher.example 192.0.2.1 - - [03/Mar/2024:08:15:42\u00a0+0100] "GET / HTTP/1.1" 200 1');
		assert.equal(fields?.host, 'bücher.example');
		assert.equal(fields?.timezone, '+0100');
		// A BOM is not whitespace for Python, and not part of \w: the first line of a BOM file does not match.
		assert.equal(parserOf(common).parse('\ufeff192.0.2.10 - - [03/Mar/2024:08:15:42 +0100] "GET / HTTP/1.1" 200 1'), null);
	});
});

describe('createRegexParser', () => {
	it('keeps groups that did not take part as undefined', () => {
		const parser = createRegexParser({name: 't', kind: 'regex', pattern: String.raw`(?P<ip>\S+)(?:\s+(?P<host>\S+))?`});
		const fields = parser.parse('1.2.3.4')!;
		assert.ok('host' in fields);
		assert.equal(fields.host, undefined);
		assert.equal(fields.ip, '1.2.3.4');
		assert.equal(parser.hasHost, true);
		assert.equal(parser.dateFormat, '%d/%b/%Y:%H:%M:%S');
	});

	it('joins a time group into the date and drops it', () => {
		const parser = createRegexParser({
			name: 't',
			kind: 'regex',
			dateFormat: '%Y-%m-%d %H:%M:%S',
			pattern: String.raw`(?P<date>\d{4}-\d\d-\d\d)\s+(?P<time>[\d:]+)\s+(?P<path>\S+)`,
		});
		assert.deepEqual(plain(parser.parse('2024-03-03 08:15:42 /a')), {date: '2024-03-03 08:15:42', path: '/a'});
		assert.deepEqual(parser.groupNames, ['date', 'path']);
		// Python raises TypeError when `time` did not take part; the date is then left alone.
		const optional = createRegexParser({name: 't', kind: 'regex', pattern: String.raw`(?P<date>\S+)(?: (?P<time>\d\d:\d\d))?`});
		assert.deepEqual(plain(optional.parse('2024-03-03')), {date: '2024-03-03'});
	});

	it('counts unnamed groups in the score', () => {
		const parser = createRegexParser({name: 't', kind: 'regex', pattern: String.raw`(?P<a>\w+)\s(\w+)\s(?:\w+)`});
		assert.equal(parser.score, 2);
		assert.deepEqual(plain(parser.parse('x y z')), {a: 'x'});
	});

	it('runs fixFields, which can reject a line', () => {
		const parser = createRegexParser({
			name: 't',
			kind: 'regex',
			pattern: String.raw`(?P<status>\d+)`,
			fixFields: fields => (fields.status === '000' ? null : {...fields, status: `${fields.status}!`}),
		});
		assert.deepEqual(plain(parser.parse('200')), {status: '200!'});
		assert.equal(parser.parse('000'), null);
		assert.equal(parser.detect('000'), false);
	});

	it('returns an independent object per line', () => {
		const parser = parserOf(common);
		const first = parser.parse(common.sampleLines[0])!;
		const second = parser.parse(common.sampleLines[1])!;
		assert.notEqual(first.ip, second.ip);
	});
});

describe('createCustomFormat', () => {
	it('builds a non-detectable format with a default date format', () => {
		const format = createCustomFormat(
			String.raw`(?P<ip>\S+)\s+\S+\s+\S+\s+\[(?P<date>.*?)\]\s+"\S+\s+(?P<path>.*?)\s+\S+"\s+(?P<status>\S+)\s+(?P<length>\S+)`,
		);
		assert.equal(format.name, 'custom');
		assert.equal(format.autoDetect, false);
		const parser = parserOf(format);
		assert.equal(parser.name, 'custom');
		assert.equal(parser.dateFormat, '%d/%b/%Y:%H:%M:%S');
		assert.equal(parser.score, 5);
		assert.equal(parser.hasHost, false);
		assert.deepEqual(plain(parser.parse('192.0.2.1 - - [April - 02, 2024:10:11:12] "GET /x HTTP/1.1" 200 5')), {
			ip: '192.0.2.1',
			date: 'April - 02, 2024:10:11:12',
			path: '/x',
			status: '200',
			length: '5',
		});
	});

	it('keeps the given date format', () => {
		const parser = parserOf(createCustomFormat(String.raw`(?P<date>\S+) (?P<path>\S+)`, '%B - %d, %Y:%H:%M:%S'));
		assert.equal(parser.dateFormat, '%B - %d, %Y:%H:%M:%S');
	});

	it('throws a clear error for an invalid pattern', () => {
		assert.throws(() => createCustomFormat('(?P<ip>\\S+'), /invalid regular expression.*missing \), unterminated subpattern/);
		assert.throws(() => createCustomFormat('(?P<ip>\\S+)\\q'), /bad escape \\q/);
	});
});

describe('numberGroups', () => {
	it('numbers named groups for speed, backreferences included', () => {
		const numbered = numberGroups(String.raw`(?<a>x)(?:y)(?<b>[(?<]z)(c)\k<a>q(?<=q)(?<d>\()`);
		assert.equal(numbered.source, String.raw`(x)(?:y)([(?<]z)(c)(?:\1)q(?<=q)(\()`);
		const match = new RegExp(numbered.source).exec('xy(zcxq(')!;
		assert.deepEqual({...numbered.fields(match)}, {a: 'x', b: '(z', d: '('});
	});
});
