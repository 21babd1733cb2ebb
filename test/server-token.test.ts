/**
 * --config on the Matomo server: a temporary token from Matomo's updatetoken.php. Here a stand-in for PHP plays
 * the script (what it prints and writes is Matomo's format); the real script runs in the real-Matomo suite.
 */
import assert from 'node:assert/strict';
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runCli, tempDir, writeLog} from './helpers.js';

let matomo: MatomoDouble;
let matomoRoot: string;
let php: string;

before(async () => {
	matomo = await startMatomoDouble({token: 'server-token-1234'});
	matomoRoot = tempDir('mli-matomo-');
	mkdirSync(path.join(matomoRoot, 'config'));
	mkdirSync(path.join(matomoRoot, 'misc', 'cron'), {recursive: true});
	mkdirSync(path.join(matomoRoot, 'tmp'));
	writeFileSync(path.join(matomoRoot, 'config', 'config.ini.php'), '; <?php exit; ?>\n[database]\n');
	writeFileSync(path.join(matomoRoot, 'misc', 'cron', 'updatetoken.php'), '<?php // stand-in\n');
	// "php SCRIPT --matomo-domain=HOST": writes the token file as Matomo does and prints its path; records its arguments.
	php = path.join(matomoRoot, 'php');
	writeFileSync(
		php,
		`#!/bin/sh\necho "$@" > "${matomoRoot}/args"\nprintf '<?php exit; //\\tserver-token-1234' > "${matomoRoot}/tmp/token.php"\necho "${matomoRoot}/tmp/token.php"\n`,
	);
	chmodSync(php, 0o755);
});

after(async () => {
	await matomo.close();
});

test('--config gets a token from updatetoken.php beside it, imports with it and never prints it', async () => {
	const {readFileSync} = await import('node:fs');
	const result = await runCli(
		[
			`--url=${matomo.url}`,
			'--idsite=1',
			`--config=${path.join(matomoRoot, 'config', 'config.ini.php')}`,
			`--php-binary=${php}`,
			'-d',
			writeLog([combinedLine({path: '/by-server-token'})]),
		],
		{env: {MATOMO_TOKEN_AUTH: ''}},
	);
	assert.equal(result.code, 0, result.stderr);
	assert.equal(matomo.received.length, 1);
	assert.ok(!`${result.stdout}${result.stderr}`.includes('server-token-1234'), 'the token is never printed');
	const args = readFileSync(path.join(matomoRoot, 'args'), 'utf8').trim();
	assert.equal(args, `${path.join(matomoRoot, 'misc', 'cron', 'updatetoken.php')} --matomo-domain=127.0.0.1`);
});

test('--config that cannot be read, or a PHP that is missing, says so and what else to do', async () => {
	const missing = await runCli([`--url=${matomo.url}`, '--idsite=1', '--config=/nonexistent/config/config.ini.php', writeLog([combinedLine({})])], {
		env: {MATOMO_TOKEN_AUTH: ''},
	});
	assert.equal(missing.code, 1);
	assert.match(missing.stderr, /config\.ini\.php could not be read/);
	assert.match(missing.stderr, /--login and --password/);
	const noPhp = await runCli(
		[
			`--url=${matomo.url}`,
			'--idsite=1',
			`--config=${path.join(matomoRoot, 'config', 'config.ini.php')}`,
			'--php-binary=/nonexistent/php',
			writeLog([combinedLine({})]),
		],
		{env: {MATOMO_TOKEN_AUTH: ''}},
	);
	assert.equal(noPhp.code, 1);
	assert.match(noPhp.stderr, /\/nonexistent\/php was not found/);
});

test('without a token, the message names --config for the Matomo server', async () => {
	const result = await runCli([`--url=${matomo.url}`, '--idsite=1', writeLog([combinedLine({})])], {env: {MATOMO_TOKEN_AUTH: ''}});
	assert.equal(result.code, 1);
	assert.match(result.stderr, /--config=\/path\/to\/matomo\/config\/config\.ini\.php/);
});
