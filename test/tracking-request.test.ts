/** The tracking request of a hit, against examples worked out from the reference (inventory §4.1). */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import commonComplete from '../formats/common-complete.js';
import {defaultFormatOptions} from '../source/parse/format.js';
import {LineProcessor} from '../source/parse/line-processor.js';
import {compileChecks} from '../source/filter/checks.js';
import {configFrom} from './helpers.js';
import {QueryBuilder, toQueryString, trackingParams} from '../source/track/tracking-request.js';
import {pythonQuote} from '../source/python/semantics.js';

function hitFrom(line: string, args: string[]): {hit: Parameters<typeof trackingParams>[0]; config: ReturnType<typeof configFrom>} {
	const result = maybeHitFrom(line, args);
	assert.ok(result, 'the line is a hit');
	return result;
}

function maybeHitFrom(line: string, args: string[]) {
	const config = configFrom(args);
	const parser = commonComplete.create(defaultFormatOptions, [])!;
	const processor = new LineProcessor(
		parser,
		compileChecks(config),
		{downloads: 0},
		{
			hit: {...config, pageCvarGroups: config.pageCvarGroups, visitCvarGroups: config.visitCvarGroups},
			addToDate: config.addToDate,
			replay: undefined,
			listening: false,
		},
		0,
	);
	const outcome = processor.process(line, 0, line.length + 1);
	return outcome.kind === 'hit' ? {hit: outcome.hit, config} : undefined;
}

test("the inventory's verified example: errors, redirects, bots and the HTTP method", () => {
	const line =
		'www.example.com 1.2.3.4 - theuser [10/Feb/2012:16:42:07 -0500] "GET / HTTP/1.0" 301 368 "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/535.11"';
	const {hit, config} = hitFrom(line, ['--enable-http-errors', '--enable-http-redirects', '--enable-bots', '--track-http-method=1']);
	const params = trackingParams(hit, {idsite: '7', mainUrl: 'https://main.example'}, config);
	const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/535.11';
	assert.deepEqual(params, {
		rec: '1',
		apiv: '1',
		url: 'https://www.example.com/',
		urlref: '',
		cip: '1.2.3.4',
		cdt: '2012-02-10 21:42:07',
		idsite: '7',
		queuedtracking: '0',
		dp: '1',
		ua,
		uid: 'theuser',
		bots: '1',
		action_name: '301/URL = https%3A%2F%2Fwww.example.com%2F',
		bw_bytes: 368,
		cvar: '{"1": ["HTTP-method", "GET"], "2": ["HTTP-code", "301"]}',
		_cvar: `{"1": ["Not-Bot", "${ua}"]}`,
	});
});

test('a path that is an absolute URL is tracked as it is; long paths are cut to 1024 characters', () => {
	const absolute = hitFrom('www.example.com 1.2.3.4 - - [10/Feb/2012:16:42:07 +0000] "GET http://other.example/x HTTP/1.0" 200 5 "-" "UA"', []);
	assert.equal(trackingParams(absolute.hit, {idsite: '1', mainUrl: 'http://a'}, absolute.config).url, 'http://other.example/x');
	const long = hitFrom(`www.example.com 1.2.3.4 - - [10/Feb/2012:16:42:07 +0000] "GET /${'a'.repeat(2000)} HTTP/1.0" 200 5 "-" "UA"`, []);
	assert.equal(trackingParams(long.hit, {idsite: '1', mainUrl: 'http://a'}, long.config).url, 'http://www.example.com/' + 'a'.repeat(1023));
});

test('Python quote(safe=""): only letters, digits and _.-~ stay', () => {
	assert.equal(pythonQuote("a b!'()*~_.-/?é"), 'a%20b%21%27%28%29%2A~_.-%2F%3F%C3%A9');
});

test('bytes that were not UTF-8 go to Matomo as the original bytes, percent-encoded', () => {
	// \udcc3 is how the reader keeps the undecodable byte 0xC3 (Python's surrogateescape).
	assert.equal(toQueryString({url: 'http://a/bad\udcc3('}), '?url=http%3A%2F%2Fa%2Fbad%C3(');
	assert.equal(toQueryString({a: 'x y&z=1', b: 5}), '?a=x%20y%26z%3D1&b=5');
});

test('the fast query builder sends exactly what the general one does', () => {
	const lines = [
		'www.example.com 1.2.3.4 - theuser [10/Feb/2012:16:42:07 -0500] "GET /a/b?x=1&y=%20 HTTP/1.0" 301 368 "https://ref.example/?q=caf%C3%A9" "Mozilla/5.0 (X11) Gecko"',
		'www.example.com 2001:db8::1 - - [10/Feb/2012:16:42:07 +0100] "GET /file.pdf HTTP/1.0" 200 0 "-" "Googlebot/2.1"',
		'www.example.com 10.0.0.1 - - [10/Feb/2012:16:42:08 +0000] "GET /missing HTTP/1.0" 404 12 "-" "curl/8 \u00e9"',
		'www.example.com 10.0.0.1 - - [10/Feb/2012:16:42:08 +0000] "GET /é/ünïcode?z HTTP/1.0" 200 5 "-" "UA"',
		'sub.example.org. 10.0.0.2 - - [10/Feb/2012:16:42:08 +0000] "GET http://abs.example/x HTTP/1.0" 302 5 "" "UA"',
	];
	const optionSets = [
		['--enable-http-errors', '--enable-http-redirects'],
		['--enable-http-errors', '--enable-http-redirects', '--enable-bots', '--track-http-method=1', '--strip-query-string'],
		['--enable-http-errors', '--enable-http-redirects', '--enable-reverse-dns', '--title-category-delimiter=|', '--query-string-delimiter=&'],
	];
	const decode = (query: string) => Object.fromEntries(new URLSearchParams(query.slice(1)));
	let compared = 0;
	for (const args of optionSets) {
		for (const line of lines) {
			const found = maybeHitFrom(line, args);
			if (!found) continue;
			const {hit, config} = found;
			for (const site of [
				{idsite: '7', mainUrl: 'https://main.example'},
				{idsite: '12', mainUrl: 'http://x'},
			]) {
				const builder = new QueryBuilder(config);
				// Twice: the second time from the caches.
				for (let i = 0; i < 2; i++) {
					assert.deepEqual(decode(builder.build(hit, site)), decode(toQueryString(trackingParams(hit, site, config))), `${line} ${args.join(' ')}`);
					compared++;
				}
			}
		}
	}

	assert.ok(compared >= 40, `${compared} requests compared`);
});
