import assert from 'node:assert/strict';
import {readFileSync, readdirSync} from 'node:fs';
import {describe, it} from 'node:test';
import type {FormatDefinition, FormatOptions, LineParser} from '../source/parse/format.js';
import {defaultFormatOptions} from '../source/parse/format.js';
import {detectFormat, headerLinesOf, iisTimeTakenWarning, w3cHeaderLength} from '../source/parse/detect.js';
import {formatByName, formats} from '../formats/index.js';

const fixtureDir = new URL('../fixtures/formats/', import.meta.url);

function fixtureLines(file: string): string[] {
	const text = readFileSync(new URL(file, fixtureDir), 'utf8');
	return text.split('\n').filter((line, index, all) => !(line === '' && index === all.length - 1));
}

function options(overrides: Partial<FormatOptions> = {}): FormatOptions {
	return {...defaultFormatOptions, ...overrides};
}

/** A fixture's format: its file name up to the first `-` or `.` (`amazon_cloudfront-rtmp.log` → amazon_cloudfront). */
function formatOfFixture(file: string): string {
	return /^[a-z0-9_]+/.exec(file)![0];
}

const isHeader = (line: string): boolean => line.trim() === '' || line.trim().startsWith('#');

/** Doubles every space outside double quotes. */
function doubleSpaces(line: string): string {
	let out = '';
	let quoted = false;
	for (const char of line) {
		if (char === '"') quoted = !quoted;
		out += char === ' ' && !quoted ? '  ' : char;
	}

	return out;
}

const variants: Record<string, (line: string) => string> = {
	'as is': line => line,
	"with ' junk' appended": line => `${line} junk`,
	'with doubled spaces outside quotes': doubleSpaces,
	// Every IPv4 address that is not part of a version number (Chrome/111.0.0.0) becomes IPv6.
	'with IPv6 clients': line => line.replace(/(?<![\w./:])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])/g, '2001:db8::1'),
};

/**
 * What the reference detects instead of the format itself, per variant. `ovh` is never auto-detected (its lines
 * read as ncsa_extended); JSON with junk after it is not JSON; haproxy's regex has literal single spaces; gandi's IP
 * class has no `:`.
 */
function expectedDetection(format: string, variant: string): string | null {
	if (format === 'ovh') return 'ncsa_extended';
	if (variant === "with ' junk' appended" && format.endsWith('_json')) return null;
	if (variant === 'with doubled spaces outside quotes' && format === 'haproxy') return null;
	if (variant === 'with IPv6 clients' && format === 'gandi') return null;
	return format;
}

function checkDetection(label: string, format: string, lines: readonly string[]): void {
	for (const [variant, change] of Object.entries(variants)) {
		const sample = lines.map(line => (isHeader(line) ? line : change(line)));
		const started = performance.now();
		const result = detectFormat(sample, formats, options());
		const elapsed = performance.now() - started;
		assert.equal(result?.format.name ?? null, expectedDetection(format, variant), `${label} ${variant}`);
		assert.ok(elapsed < 2000, `${label} ${variant}: detection took ${elapsed.toFixed(0)} ms`);
		if (result !== null) assert.ok(result.sampleMatches > 0, `${label} ${variant}: the chosen parser reads the sample`);
	}
}

describe('detection of every format', () => {
	it('covers the reference formats in the reference order', () => {
		assert.deepEqual(
			formats.map(format => format.name),
			[
				'common',
				'common_vhost',
				'ncsa_extended',
				'common_complete',
				'w3c_extended',
				'amazon_cloudfront',
				'incapsula_w3c',
				'iis',
				'shoutcast',
				's3',
				'icecast2',
				'elb',
				'traefik_json',
				'nginx_json',
				'caddy_json',
				'ovh',
				'haproxy',
				'gandi',
			],
		);
		assert.equal(formatByName('iis')?.name, 'iis');
		assert.equal(formatByName('caddy_v2'), undefined);
		assert.deepEqual(
			formats.filter(format => !format.autoDetect).map(format => format.name),
			['ovh'],
		);
	});

	for (const format of formats) {
		it(`${format.name}: its sample lines`, () => {
			assert.ok(format.sampleLines.length > 0);
			checkDetection(`${format.name} sample`, format.name, format.sampleLines);
		});
	}

	for (const file of readdirSync(fixtureDir)
		.filter(name => name.endsWith('.log'))
		.sort()) {
		it(`fixture ${file}`, () => {
			const format = formatOfFixture(file);
			assert.ok(formatByName(format), `${file} names a format`);
			checkDetection(file, format, fixtureLines(file));
		});
	}
});

describe('pass 1', () => {
	it('prefers the highest score and explains it', () => {
		const result = detectFormat(fixtureLines('iis.log'), formats, options())!;
		assert.equal(result.format.name, 'iis');
		assert.equal(result.reason, 'the first line matches iis (14 groups; also w3c_extended 13, amazon_cloudfront 13, shoutcast 13)');
		assert.deepEqual(result.candidates, [
			{name: 'w3c_extended', score: 13},
			{name: 'amazon_cloudfront', score: 13},
			{name: 'iis', score: 14},
			{name: 'shoutcast', score: 13},
		]);
		assert.equal(result.sampleSize, 5);
		assert.equal(result.sampleMatches, 4);
		// The returned parser is ready for the input.
		assert.equal(result.parser.parse(fixtureLines('iis.log')[4]!)!.generation_time_milli, '375');
	});

	it('gives a tie to the earlier format', () => {
		const result = detectFormat(fixtureLines('w3c_extended.log'), formats, options())!;
		assert.equal(result.format.name, 'w3c_extended');
		assert.deepEqual(
			result.candidates.map(candidate => candidate.score),
			[12, 12, 12, 12],
		);
	});

	it('tests non-W3C formats on the very first line, W3C formats on the first line after the header', () => {
		const combined = formatByName('ncsa_extended')!.sampleLines[0]!;
		// A comment first: no regex format matches line 1, pass 2 finds the data.
		const result = detectFormat(['# exported by a script', combined], formats, options())!;
		assert.equal(result.format.name, 'ncsa_extended');
		assert.match(result.reason, /^line 2 is the first that matches a format: ncsa_extended \(10 groups/);
		assert.equal(result.sampleSize, 1);
		// Blank lines in a W3C header are skipped.
		const w3c = ['', '#Fields: date time c-ip cs-uri-stem sc-status', '', '', '2020-01-01 00:00:00 1.2.3.4 /x 200'];
		assert.equal(detectFormat(w3c, formats, options())!.reason, 'the first line matches w3c_extended (5 groups; also amazon_cloudfront 5, iis 5, shoutcast 5)');
	});

	it('lets a JSON match win over regex matches before it', () => {
		const fake: FormatDefinition = {
			name: 'fake_regex',
			kind: 'regex',
			autoDetect: true,
			description: '',
			sampleLines: [],
			create: () => ({
				...formatByName('nginx_json')!.create(options(), [])!,
				name: 'fake_regex',
				kind: 'regex',
				score: 50,
				detect: () => true,
			}),
		};
		const line = formatByName('nginx_json')!.sampleLines[0]!;
		const result = detectFormat([line], [fake, ...formats], options())!;
		assert.equal(result.format.name, 'nginx_json');
		assert.equal(result.reason, 'the first line is JSON with the keys of nginx_json (also fake_regex 50)');
		// A later JSON match overrides an earlier one.
		const both = JSON.stringify({msg: '', level: 'info', time: '2024-01-01T00:00:00', referrer: '-', date: '2024-01-01T00:00:00'});
		const twice = detectFormat([both], formats, options())!;
		assert.equal(twice.format.name, 'nginx_json');
		assert.deepEqual(twice.candidates, [
			{name: 'traefik_json', score: null},
			{name: 'nginx_json', score: null},
		]);
	});

	it('treats an exception in a format as no match', () => {
		const throwing: FormatDefinition = {
			name: 'broken',
			kind: 'regex',
			autoDetect: true,
			description: '',
			sampleLines: [],
			create: () => {
				throw new Error('cannot');
			},
		};
		const detectThrows: FormatDefinition = {
			...throwing,
			name: 'broken_detect',
			create: () => ({
				...formatByName('common')!.create(options(), [])!,
				detect: () => {
					throw new Error('boom');
				},
			}),
		};
		const line = formatByName('common')!.sampleLines[0]!;
		assert.equal(detectFormat([line], [throwing, detectThrows, ...formats], options())!.format.name, 'common');
		// A --w3c-map-field that only CloudFront understands: the other W3C formats drop out.
		const rtmp = fixtureLines('amazon_cloudfront-rtmp.log');
		const mapped = detectFormat(rtmp, formats, options({w3cMapField: {'x-event': 'x-event'}}))!;
		assert.equal(mapped.format.name, 'amazon_cloudfront');
	});

	it('skips formats that are not auto-detected (ovh)', () => {
		const ovhLines = formatByName('ovh')!.sampleLines;
		const onlyOvh = detectFormat(ovhLines, [formatByName('ovh')!], options());
		assert.equal(onlyOvh, null);
	});
});

describe('pass 2 and no match', () => {
	it('picks the first line any format matches', () => {
		const common = formatByName('common')!.sampleLines[0]!;
		const result = detectFormat(['garbage', 'more garbage', common, formatByName('ncsa_extended')!.sampleLines[0]!], formats, options())!;
		assert.equal(result.format.name, 'common');
		assert.equal(result.reason, 'line 3 is the first that matches a format: common (8 groups)');
		assert.equal(result.sampleSize, 4);
		assert.equal(result.sampleMatches, 2);
	});

	it('returns null when nothing matches', () => {
		assert.equal(detectFormat([], formats, options()), null);
		assert.equal(detectFormat(['', '   '], formats, options()), null);
		assert.equal(detectFormat(['hello', 'world'], formats, options()), null);
		// A header without data (the reference looped forever on it).
		assert.equal(detectFormat(['#Software: x', '#Fields: date time'], formats, options()), null);
	});

	it('detects an Incapsula log fast (the reference hangs in the generic W3C regex)', () => {
		const lines = fixtureLines('incapsula_w3c.log');
		const longer = [...lines.slice(0, 4), ...Array.from({length: 200}, (_, i) => lines[4 + (i % 3)]!)];
		const started = performance.now();
		const result = detectFormat(longer, formats, options())!;
		assert.equal(result.format.name, 'incapsula_w3c');
		assert.equal(result.sampleMatches, 200);
		// A broken Incapsula file goes through pass 2 over every line under every W3C regex.
		// (The last field loses its closing quote, so every line fails at its very end.)
		const broken = longer.map(line => (line.startsWith('#') ? line : line.slice(0, -1)));
		assert.equal(detectFormat(broken, formats, options())?.format.name ?? null, null);
		// A hang, not a speed, is what this guards against (the reference never returns): a bound no busy machine reaches.
		assert.ok(performance.now() - started < 30_000, 'bounded time');
	});
});

describe('headerLinesOf', () => {
	it('returns the leading # lines, stripped, blanks dropped', () => {
		assert.deepEqual(headerLinesOf(['#A', '', '  #B  ', 'data', '#C']), ['#A', '#B']);
		assert.deepEqual(headerLinesOf(['data', '#A']), []);
		assert.deepEqual(headerLinesOf([]), []);
	});
});

describe('w3cHeaderLength', () => {
	it('counts the raw lines up to and including the first #Fields: line', () => {
		assert.equal(w3cHeaderLength(['#A', '', '#Fields: date', '#B', 'data'], options()), 3);
		assert.equal(w3cHeaderLength(fixtureLines('iis.log'), options()), 4);
		assert.equal(w3cHeaderLength(['#A', 'data', '#Fields: date'], options()), 0);
		assert.equal(w3cHeaderLength(['#Fields: date', 'data'], options({w3cFields: '#Fields: date'})), 0);
	});
});

describe('iisTimeTakenWarning', () => {
	const iisHeader = headerLinesOf(fixtureLines('iis.log'));

	function parser(name: string, header: readonly string[], opts = options()): LineParser {
		const built = formatByName(name)!.create(opts, header);
		assert.ok(built);
		return built;
	}

	it('warns for an IIS header read with time-taken in seconds', () => {
		const warning = iisTimeTakenWarning(parser('w3c_extended', iisHeader), options());
		assert.equal(
			warning,
			'WARNING: IIS log file being parsed without --w3c-time-taken-millisecs option. IIS stores millisecond values in the time-taken field. If your logfile does this, the aforementioned option must be used in order to get accurate generation times.',
		);
		// `iis` in any header line, any case (IIS Advanced Logging names itself so).
		assert.ok(iisTimeTakenWarning(parser('shoutcast', ['#Software: IIS Advanced Logging Module', '#Fields: date time c-ip']), options()));
	});

	it('stays quiet otherwise', () => {
		assert.equal(iisTimeTakenWarning(parser('iis', iisHeader), options()), null);
		const millis = options({w3cTimeTakenMillisecs: true});
		assert.equal(iisTimeTakenWarning(parser('w3c_extended', iisHeader, millis), millis), null);
		assert.equal(iisTimeTakenWarning(parser('w3c_extended', headerLinesOf(fixtureLines('w3c_extended.log'))), options()), null);
		assert.equal(iisTimeTakenWarning(parser('common', []), options()), null);
	});
});
