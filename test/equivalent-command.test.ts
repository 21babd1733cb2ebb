/**
 * The equivalent headless command: built from the option table, shell-quoted, secrets never in clear, and, read back
 * by a real shell and the CLI's own parsing, the same import settings as the wizard's choices.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {equivalentCommand, redactUrl, secretVariable, shellQuote, wrapCommand, type GivenValue} from '../source/options/equivalent-command.js';
import {runningProgram} from '../source/options/running-program.js';
import {buildConfig, type ImportConfig} from '../source/options/config.js';
import {optionTable} from '../source/options/table.js';
import {configFrom, tempDir} from './helpers.js';

const program = 'matomo-log-import';

/** The words a POSIX shell makes of the command line (after the program), with `env` set. */
function shellWords(line: string, env: Record<string, string>): string[] {
	const start = line.indexOf(`${program} `);
	assert.ok(start >= 0, line);
	const rest = line.slice(start + program.length + 1);
	const out = execFileSync('sh', ['-c', `printf '%s\\0' ${rest}`], {env: {PATH: process.env.PATH, ...env}, encoding: 'utf8'});
	return out.split('\0').slice(0, -1);
}

function comparable(config: ImportConfig): Partial<ImportConfig> {
	const {tokenSource: _, yes: __, ...rest} = config;
	return rest;
}

test('a simple import: --yes first, flags in table order, then the files', () => {
	const given = new Map<string, GivenValue>([
		['idsite', '1'],
		['url', 'https://matomo.example.com'],
	]);
	const command = equivalentCommand(given, ['/var/log/nginx/access.log']);
	assert.equal(command.line, 'matomo-log-import --yes --url=https://matomo.example.com --idsite=1 /var/log/nginx/access.log');
	assert.deepEqual(command.env, []);
});

test('the token never appears: it becomes MATOMO_TOKEN_AUTH=… in front and $MATOMO_TOKEN_AUTH in the script', () => {
	const given = new Map<string, GivenValue>([
		['url', 'http://localhost/matomo/'],
		['token-auth', 'c0ffee-secret-token'],
		['idsite', '3'],
	]);
	const command = equivalentCommand(given, ['a.log']);
	assert.ok(!command.line.includes('c0ffee'), command.line);
	assert.ok(!command.script.includes('c0ffee'), command.script);
	assert.ok(command.line.startsWith('MATOMO_TOKEN_AUTH=… matomo-log-import --yes '), command.line);
	assert.ok(!command.line.includes('--token-auth'), 'the program reads the variable itself: no flag for ps to show');
	assert.match(command.script, /\$\{MATOMO_TOKEN_AUTH:\?/);
	assert.deepEqual(command.env, ['MATOMO_TOKEN_AUTH']);
});

test('a token taken from the environment is still required by the command', () => {
	const command = equivalentCommand(
		new Map([
			['url', 'http://m'],
			['idsite', '1'],
		]),
		['a.log'],
		{tokenFromEnv: true},
	);
	assert.ok(command.line.startsWith('MATOMO_TOKEN_AUTH=… '), command.line);
});

test('a token file stays a flag: a path is not a secret', () => {
	const command = equivalentCommand(
		new Map([
			['url', 'http://m'],
			['token-auth-file', '/etc/matomo/token'],
		]),
		['a.log'],
	);
	assert.match(command.line, /--token-auth-file=\/etc\/matomo\/token/);
	assert.deepEqual(command.env, []);
});

test('other secrets become "$MATOMO_…" variables, never their value', () => {
	const given = new Map<string, GivenValue>([
		['url', 'http://m'],
		['auth-user', 'proxy'],
		['auth-password', 'hunter2'],
	]);
	const command = equivalentCommand(given, ['a.log']);
	assert.ok(!command.line.includes('hunter2') && !command.script.includes('hunter2'));
	// Read from the environment by the program: not on the command line, where ps would show it.
	assert.ok(!command.line.includes('--auth-password'), command.line);
	assert.ok(!command.script.includes('--auth-password'), command.script);
	assert.ok(command.line.startsWith('MATOMO_AUTH_PASSWORD=… '), command.line);
	assert.match(command.script, /\$\{MATOMO_AUTH_PASSWORD:\?/);
	assert.equal(secretVariable('auth-password'), 'MATOMO_AUTH_PASSWORD');
	assert.equal(buildConfig(given, ['a.log'], {}).authPassword, configFrom(command.args, {MATOMO_AUTH_PASSWORD: 'hunter2'}).authPassword);
	const login = equivalentCommand(
		new Map([
			['url', 'http://m'],
			['login', 'me'],
			['password', 'hunter3'],
		]),
		['a.log'],
	);
	assert.ok(!login.line.includes('--password') && login.line.startsWith('MATOMO_PASSWORD=… '), login.line);
	assert.equal(configFrom(login.args, {MATOMO_PASSWORD: 'hunter3'}).password, 'hunter3');
});

test('credentials in the URL: never printed; in the command they become --auth-user and MATOMO_AUTH_PASSWORD', () => {
	const given = new Map<string, GivenValue>([
		['url', 'https://proxy:s%40cret@matomo.example.com/sub/'],
		['idsite', '1'],
	]);
	const command = equivalentCommand(given, ['a.log']);
	for (const secret of ['s@cret', 's%40cret']) assert.ok(!command.line.includes(secret) && !command.script.includes(secret), command.line);
	assert.match(
		command.line,
		/^MATOMO_AUTH_PASSWORD=… matomo-log-import --yes --url=https:\/\/matomo\.example\.com\/sub\/ --auth-user=proxy --idsite=1 a\.log$/,
	);
	const config = configFrom(command.args, {MATOMO_AUTH_PASSWORD: 's@cret'});
	assert.equal(config.authUser, 'proxy');
	assert.equal(config.authPassword, 's@cret');
	assert.equal(redactUrl('http://u:p@host:8080'), 'http://host:8080');
	assert.equal(redactUrl('http://u:p@host/m/'), 'http://host/m/');
	assert.equal(redactUrl('https://host/'), 'https://host/');
});

test('wrapped for the screen: broken only between words, with " \\", and read back by sh as the same words', () => {
	const given = new Map<string, GivenValue>([
		['url', 'https://matomo.example.com'],
		['idsite', '1'],
		['log-format-regex', String.raw`(?P<ip>\S+) \[(?P<date>.*?)\] "(?P<path>.*?)" (?P<status>\d+)`],
	]);
	const command = equivalentCommand(given, ['/var/log/nginx/access.log', '/var/log/nginx/other.log'], {
		program: ['/usr/bin/node', '/opt/mli/dist/source/cli.js'],
	});
	const lines = wrapCommand(command.words, 40);
	assert.ok(lines.length > 3);
	for (const line of lines.slice(0, -1)) assert.ok(line.endsWith(' \\'), line);
	const wide = lines.filter(line => line.length > 40).map(line => line.replace(/ \\$/, '').trim());
	assert.deepEqual(wide, [command.words.find(word => word.startsWith('--log-format-regex='))], 'only a word wider than the screen is wider');
	const script = lines.join('\n').replace(/^[^/]*/, '');
	const out = execFileSync('sh', ['-c', `printf '%s\\0' ${script}`], {encoding: 'utf8'});
	assert.deepEqual(out.split('\0').slice(0, -1), ['/usr/bin/node', '/opt/mli/dist/source/cli.js', ...command.args]);
});

test('the running program: absolute node and the real path of the script, node flags kept, inline code left out', () => {
	const dir = fs.realpathSync(tempDir('mli-program-'));
	fs.writeFileSync(path.join(dir, 'cli.js'), '');
	fs.symlinkSync(path.join(dir, 'cli.js'), path.join(dir, 'link.js'));
	const program = runningProgram({
		execPath: '/opt/node/bin/node',
		execArgv: ['--max-semi-space-size=1', '--import', 'data:text/javascript,1', '--inspect'],
		argv: ['/opt/node/bin/node', path.join(dir, 'link.js')],
	});
	assert.deepEqual(program, ['/opt/node/bin/node', '--max-semi-space-size=1', path.join(dir, 'cli.js')]);
	assert.deepEqual(runningProgram({execPath: '/n', execArgv: [], argv: ['/n']}), ['matomo-log-import']);
});

test('values are shell-quoted; globs stay quoted so the program expands them', () => {
	assert.equal(shellQuote('plain/path.log'), 'plain/path.log');
	assert.equal(shellQuote("it's here.log"), `'it'\\''s here.log'`);
	assert.equal(shellQuote(''), `''`);
	const given = new Map<string, GivenValue>([
		['url', 'http://m/?x=1&y=2'],
		['exclude-path', ['/private/*', '/a b']],
		['exclude-older-than', '2024-01-31 23:59:59 +0000'],
	]);
	const command = equivalentCommand(given, ['/var/log/*.log', '-weird']);
	assert.match(command.line, /--url='http:\/\/m\/\?x=1&y=2'/);
	assert.match(command.line, /--exclude-path='\/private\/\*' --exclude-path='\/a b'/);
	assert.match(command.line, /--exclude-older-than='2024-01-31 23:59:59 \+0000'/);
	assert.match(command.line, / -- '\/var\/log\/\*\.log' -weird$/);
});

test('booleans, counts, defaults: only what differs from the defaults', () => {
	const given = new Map<string, GivenValue>([
		['enable-static', true],
		['enable-bots', false],
		['color', false],
		['recorders', '1'],
		['debug', 2],
		['yes', true],
	]);
	const command = equivalentCommand(given, ['a.log']);
	assert.equal(command.line, 'matomo-log-import --yes --enable-static --no-color --debug --debug a.log');
});

test('relative files become absolute when the directory is known (cron starts elsewhere)', () => {
	const command = equivalentCommand(new Map(), ['logs/a.log', '/abs/b.log', '-'], {cwd: '/home/me'});
	assert.deepEqual(command.args, ['--yes', '/home/me/logs/a.log', '/abs/b.log', '-']);
});

test('read back by sh and the CLI parser, the command gives the same settings', () => {
	const given = new Map<string, GivenValue>([
		['url', 'https://matomo.example.com/sub dir/'],
		['token-auth', 'tok\'en with "quotes" $HOME'],
		['auth-user', 'proxy'],
		['auth-password', 'p@ss word'],
		['idsite-fallback', '7'],
		['add-sites-new-hosts', true],
		['enable-static', true],
		['enable-http-errors', true],
		['strip-query-string', true],
		['exclude-path', ['/admin/*', "/it's"]],
		['include-host', ['www.example.com']],
		['exclude-newer-than', '2024-02-01 00:00:00 +0100'],
		['recorders', 'auto'],
		['log-format-regex', String.raw`(?P<ip>\S+) \[(?P<date>.*?) (?P<timezone>.*?)\] "(?P<path>.*?)"`],
		['w3c-map-field', ['date-local=date']],
		['dry-run', true],
		['color', false],
		['debug', 1],
	]);
	const files = ['/var/log/access log.1', '/var/log/*.gz'];
	const command = equivalentCommand(given, files);
	const env = {
		MATOMO_TOKEN_AUTH: String(given.get('token-auth')),
		MATOMO_AUTH_PASSWORD: String(given.get('auth-password')),
	};
	const words = shellWords(command.line, env);
	assert.deepEqual(comparable(configFrom(words, env)), comparable(buildConfig(given, files, {})));
});

test('every flag of the table that the wizard can set round-trips', () => {
	for (const option of optionTable) {
		if (!option.wizard || option.secret) continue;
		const value: GivenValue =
			option.type === 'boolean'
				? true
				: option.type === 'list'
					? ['x*', 'y']
					: option.flag === 'recorders'
						? '3'
						: option.flag.startsWith('exclude-') && option.type === 'string'
							? '2024-01-01 00:00:00 +0000'
							: 'value 1';
		const given = new Map<string, GivenValue>([
			['url', 'http://m'],
			[option.flag, value],
		]);
		let expected: ImportConfig;
		try {
			expected = buildConfig(given, ['a.log'], {});
		} catch {
			continue; // a value this flag does not accept: not a quoting question
		}

		const words = shellWords(equivalentCommand(given, ['a.log']).line, {});
		assert.deepEqual(comparable(configFrom(words, {})), comparable(expected), option.flag);
	}
});
