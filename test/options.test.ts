/** The option table drives flags, --help and the readme: they must agree, and argparse habits must keep working. */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {optionTable} from '../source/options/table.js';
import {renderHelp} from '../source/options/help.js';
import {withOptionsSection} from '../source/options/markdown.js';
import {normaliseArgv, UsageError} from '../source/options/argv.js';
import {configFrom} from './helpers.js';

test("the readme's options section is the generated one (npm run readme)", () => {
	const readme = fs.readFileSync('readme.md', 'utf8');
	assert.equal(withOptionsSection(readme), readme);
});

test('--help lists every option that is not hidden', () => {
	const help = renderHelp();
	for (const option of optionTable) {
		if (option.hidden) continue;
		assert.ok(help.includes(`--${option.flag}`) || help.includes(`--no-${option.flag}`), option.flag);
	}
});

test('argparse habits: unique prefixes, -dd, --track-http-method with or without a value', () => {
	assert.deepEqual(normaliseArgv(['--enable-s', '-dd', '--track-http-method', 'x.log']), {
		argv: ['--enable-static', '--track-http-method=1', 'x.log'],
		debug: 2,
	});
	assert.deepEqual(normaliseArgv(['--track-http-method', '0']).argv, ['--track-http-method=0']);
	assert.throws(() => normaliseArgv(['--enable']), UsageError);
	assert.throws(() => normaliseArgv(['--no-such-option']), /unknown option/);
	assert.throws(() => normaliseArgv(['--url']), /needs a value/);
});

test('values are checked with messages that name the flag', () => {
	assert.throws(() => configFrom(['--recorders=many']), /--recorders/);
	assert.throws(() => configFrom(['--exclude-older-than=yesterday']), /--exclude-older-than/);
	assert.throws(() => configFrom(['--w3c-field-regex=sc-status=\\d+']), /named group/);
	assert.throws(() => configFrom(['--retry-delay=soon']), /--retry-delay/);
});

test('defaults and quirks of the reference', () => {
	const config = configFrom(['--url=matomo.example.com', 'a.log']);
	assert.equal(config.url, 'http://matomo.example.com');
	assert.equal(config.recorders, 1);
	assert.equal(config.retryMaxAttempts, 3);
	assert.equal(config.retryDelayMs, 10_000);
	assert.equal(config.requestTimeoutMs, 300_000);
	assert.equal(config.payloadSize, 200);
	// --download-extensions replaces the list; the built-in one still names what to skip.
	const downloads = configFrom(['--download-extensions=pdf', '--add-download-extensions=epub2']);
	assert.deepEqual([...downloads.downloadExtensions].sort(), ['epub2', 'pdf']);
	assert.ok(downloads.knownDownloadExtensions.has('zip'));
	// A regex with commas and '=' is not torn apart (the reference crashes there).
	assert.deepEqual(configFrom(['--w3c-field-regex=x-a=(?P<a>\\d{1,3}=)']).formatOptions.w3cFieldRegex, {'x-a': '(?P<a>\\d{1,3}=)'});
	// --follow retries forever unless told otherwise.
	assert.equal(configFrom(['--follow']).retryMaxAttempts, 0);
	assert.equal(configFrom(['--follow', '--retry-max-attempts=2']).retryMaxAttempts, 2);
	assert.equal(configFrom([], {MATOMO_TOKEN_AUTH: 'from-env'}).tokenAuth, 'from-env');
	assert.equal(configFrom([], {NO_COLOR: '1'}).color, false);
	// no-color.org: an empty NO_COLOR does not count.
	assert.equal(configFrom([], {NO_COLOR: ''}).color, true);
	assert.equal(configFrom(['--no-color']).color, false);
});

test('help and summary wrap words the same way: greedy, long words kept whole, continuation indented', async () => {
	const {wrapWords} = await import('../source/report/wrap.js');
	assert.equal(wrapWords('a:1, b:2, c:3', 9), 'a:1, b:2,\nc:3');
	assert.equal(wrapWords('short averyveryverylongword end', 8, 2), 'short\n  averyveryverylongword\n  end');
});
