import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {compileStrptime, formatCdt, parseTimezoneOffset, pythonRepr} from '../source/parse/strptime.js';

/** What Python's `datetime.strptime(text, format).isoformat(' ')` gives, or `ERR <message>`. */
function run(text: string, format: string): string {
	const result = compileStrptime(format)(text);
	return typeof result === 'string' ? `ERR ${result}` : formatCdt(result);
}

describe('compileStrptime', () => {
	// Expected values are what CPython 3.11 returns for the same input.
	const cases: Array<[string, string, string]> = [
		['10/Feb/2012:16:42:07', '%d/%b/%Y:%H:%M:%S', '2012-02-10 16:42:07'],
		['10/feb/2012:16:42:07', '%d/%b/%Y:%H:%M:%S', '2012-02-10 16:42:07'],
		['10/FEB/2012:16:42:07', '%d/%b/%Y:%H:%M:%S', '2012-02-10 16:42:07'],
		['February - 10, 2012:16:42:07', '%B - %d, %Y:%H:%M:%S', '2012-02-10 16:42:07'],
		['25/Sep/2018:06:05:27.584', '%d/%b/%Y:%H:%M:%S.%f', '2018-09-25 06:05:27.584000'],
		['2015-05-13T23:39:43', '%Y-%m-%dT%H:%M:%S', '2015-05-13 23:39:43'],
		['2015-05-13t23:39:43', '%Y-%m-%dT%H:%M:%S', '2015-05-13 23:39:43'], // literals match ignoring case
		['1/2/2012  3:4:5', '%d/%m/%Y %H:%M:%S', '2012-02-01 03:04:05'], // one-digit fields, whitespace run
		[' 5/02/2012', '%d/%m/%Y', '2012-02-05 00:00:00'], // %d accepts a space-padded day
		['2024\u00a0x', '%Y x', '2024-01-01 00:00:00'], // any Unicode whitespace
		['2012.5', '%Y.%f', '2012-01-01 00:00:00.500000'],
		['9999-12-31 23:59:59.999999', '%Y-%m-%d %H:%M:%S.%f', '9999-12-31 23:59:59.999999'],
		['0001-01-01 00:00:00', '%Y-%m-%d %H:%M:%S', '0001-01-01 00:00:00'],
		['1969-12-31 23:59:59', '%Y-%m-%d %H:%M:%S', '1969-12-31 23:59:59'],
		['29/02/2024', '%d/%m/%Y', '2024-02-29 00:00:00'],
		['١٩٧٠-01-01', '%Y-%m-%d', '1970-01-01 00:00:00'], // \d is any decimal digit
		['12:00:00 am', '%I:%M:%S %p', '1900-01-01 00:00:00'],
		['12pm', '%I%p', '1900-01-01 12:00:00'],
		['01 PM', '%I %p', '1900-01-01 13:00:00'],
		['2024 PM 13', '%Y %p %H', '2024-01-01 13:00:00'],
		['Mon Feb 10 16:42:07 2012', '%c', '2012-02-10 16:42:07'],
		['01/01/99', '%x', '1999-01-01 00:00:00'],
		['01/01/68', '%x', '2068-01-01 00:00:00'],
		['1999 366', '%Y %j', '2000-01-01 00:00:00'],
		['2000 366', '%Y %j', '2000-12-31 00:00:00'],
		['2024 10 3', '%Y %W %w', '2024-03-06 00:00:00'],
		['2024 0 0', '%Y %U %w', '2023-12-31 00:00:00'],
		['2020 53 5', '%G %V %u', '2021-01-01 00:00:00'],
		['Tuesday 2024', '%A %Y', '2024-01-01 00:00:00'],
		['utc', '%Z', '1900-01-01 00:00:00'],
		['2024-01-01T00:00:00Z', '%Y-%m-%dT%H:%M:%S%z', '2024-01-01 00:00:00+00:00'],
		['2024-01-01t00:00:00+02:30', '%Y-%m-%dT%H:%M:%S%z', '2024-01-01 00:00:00+02:30'],
		['2024-01-01 00:00:00-0130', '%Y-%m-%d %H:%M:%S%z', '2024-01-01 00:00:00-01:30'],
		['2024-01-01 00:00:00+01:30:15.5', '%Y-%m-%d %H:%M:%S%z', '2024-01-01 00:00:00+01:30:15.500000'],
		['0100%', '%Y%%', '0100-01-01 00:00:00'],
		['100%', '%Y%%', "ERR time data '100%' does not match format '%Y%%'"],
		// Errors.
		['10/Feb/2012:16:42:07 x', '%d/%b/%Y:%H:%M:%S', 'ERR unconverted data remains:  x'],
		['1/2/20123:4:5', '%d/%m/%Y %H:%M:%S', "ERR time data '1/2/20123:4:5' does not match format '%d/%m/%Y %H:%M:%S'"],
		['2024x', '%Y x', "ERR time data '2024x' does not match format '%Y x'"],
		['30/Feb/2012:1:1:1', '%d/%b/%Y:%H:%M:%S', 'ERR day is out of range for month'],
		['29/02/2023', '%d/%m/%Y', 'ERR day is out of range for month'],
		['29/02', '%d/%m', 'ERR day is out of range for month'], // no year: 1900
		['0000', '%Y', 'ERR year 0 is out of range'],
		['1 9999 366', '%d %Y %j', 'ERR year 10000 is out of range'],
		['2012 00:00:60', '%Y %H:%M:%S', 'ERR second must be in 0..59'],
		['32/Jan/2012:00:00:00', '%d/%b/%Y:%H:%M:%S', "ERR time data '32/Jan/2012:00:00:00' does not match format '%d/%b/%Y:%H:%M:%S'"],
		['١٢/Feb/2012:16:42:07', '%d/%b/%Y:%H:%M:%S', "ERR time data '١٢/Feb/2012:16:42:07' does not match format '%d/%b/%Y:%H:%M:%S'"],
		['2024-01-01T00:00:00z', '%Y-%m-%dT%H:%M:%S%z', "ERR time data '2024-01-01T00:00:00z' does not match format '%Y-%m-%dT%H:%M:%S%z'"],
		["it's", '%d', `ERR time data "it's" does not match format '%d'`],
		['a\nb', '%d', "ERR time data 'a\\nb' does not match format '%d'"],
		['x', '%q', "ERR 'q' is a bad directive in format '%q'"],
		['x', '%', "ERR stray % in format '%'"],
		['x', '% d', "ERR '%' is a bad directive in format '% d'"],
		['x', '%.', "ERR '%' is a bad directive in format '%.'"],
		['1 1', '%d %d', "ERR redefinition of group name 'd' in format '%d %d'"],
		['53 2024', '%V %Y', "ERR ISO week directive '%V' must be used with the ISO year directive '%G' and a weekday directive ('%A', '%a', '%w', or '%u')."],
	];
	for (const [text, format, expected] of cases) {
		it(`${JSON.stringify(text)} with ${JSON.stringify(format)} → ${expected}`, () => {
			assert.equal(run(text, format), expected);
		});
	}

	it('reads the text as UTC epoch seconds and microseconds', () => {
		const parse = compileStrptime('%d/%b/%Y:%H:%M:%S.%f');
		assert.deepEqual(parse('10/Feb/2012:16:42:07.000001'), {seconds: Date.UTC(2012, 1, 10, 16, 42, 7) / 1000, micros: 1});
		assert.deepEqual(compileStrptime('%Y-%m-%d')('1969-12-31'), {seconds: -86400, micros: 0});
		// datetime(1, 1, 1) is 62135596800 s before the epoch.
		assert.deepEqual(compileStrptime('%Y')('0001'), {seconds: -62135596800, micros: 0});
	});

	it('keeps the %z offset apart, in microseconds east of UTC', () => {
		const parsed = compileStrptime('%Y-%m-%d %H:%M%z')('2024-03-03 08:15-0330');
		assert.equal(typeof parsed, 'object');
		assert.deepEqual(parsed, {seconds: Date.UTC(2024, 2, 3, 8, 15) / 1000, micros: 0, utcOffsetMicros: -(3 * 3600 + 30 * 60) * 1e6});
	});

	it('matches whitespace of the format against one or more whitespace characters, never none', () => {
		const parse = compileStrptime('%H %M');
		assert.equal(typeof parse('1 2'), 'object');
		assert.equal(typeof parse('1\t \n2'), 'object');
		assert.equal(typeof parse('12'), 'string');
	});

	it('gives the same answer on repeated calls (no state kept between lines)', () => {
		const parse = compileStrptime('%d/%b/%Y:%H:%M:%S');
		const first = parse('10/Feb/2012:16:42:07');
		assert.equal(typeof parse('nope'), 'string');
		assert.deepEqual(parse('10/Feb/2012:16:42:07'), first);
	});
});

describe('formatCdt', () => {
	it('prints Python isoformat(" "), with microseconds only when not zero', () => {
		assert.equal(formatCdt({seconds: 1328892127, micros: 0}), '2012-02-10 16:42:07');
		assert.equal(formatCdt({seconds: 1328892127, micros: 584000}), '2012-02-10 16:42:07.584000');
		assert.equal(formatCdt({seconds: 1328892127, micros: 7}), '2012-02-10 16:42:07.000007');
		assert.equal(formatCdt({seconds: -1, micros: 0}), '1969-12-31 23:59:59');
		assert.equal(formatCdt({seconds: 951782400, micros: 0}), '2000-02-29 00:00:00');
		assert.equal(formatCdt({seconds: 0, micros: 0, utcOffsetMicros: 5400e6}), '1970-01-01 00:00:00+01:30');
	});
});

describe('parseTimezoneOffset (timedelta_from_timezone)', () => {
	// The reference's own test cases (inventory §8 #25).
	const cases: Array<[string, number]> = [
		['+0200', 7200],
		['+1400', 50400],
		['+0045', 2700],
		['+0330', 12600],
		['+0000', 0],
		['-0500', -18000],
		['-1200', -43200],
		['-0040', -2400],
		['-0230', -9000],
		['-0000', 0],
	];
	for (const [tz, seconds] of cases) {
		it(`${tz} → ${seconds} s`, () => {
			assert.equal(parseTimezoneOffset(tz), seconds);
		});
	}

	it('follows Python int(): whitespace, sign, underscores, Unicode digits', () => {
		assert.equal(parseTimezoneOffset(' +0100 '), 3600);
		assert.equal(parseTimezoneOffset('0100'), 3600);
		assert.equal(parseTimezoneOffset('+1_00'), 3600);
		assert.equal(parseTimezoneOffset('+٠١٠٠'), 3600);
		assert.equal(parseTimezoneOffset('0075'), 4500); // 75 minutes: no range check
		assert.equal(parseTimezoneOffset('-5'), -300);
	});

	it('returns null where int() raises ValueError', () => {
		for (const tz of ['', 'Z', 'UTC', '+-100', '+01:00', '1__0', '_100', '100_', '+ 100', '0x10']) {
			assert.equal(parseTimezoneOffset(tz), null, JSON.stringify(tz));
		}
	});
});

describe('pythonRepr', () => {
	it('quotes like Python', () => {
		assert.equal(pythonRepr('abc'), "'abc'");
		assert.equal(pythonRepr("it's"), `"it's"`);
		assert.equal(pythonRepr(`it's "x"`), `'it\\'s "x"'`);
		assert.equal(pythonRepr('a\\b\n\t\x01é\u00a0'), "'a\\\\b\\n\\t\\x01é\\xa0'");
	});
});
