/**
 * The headless log says each engine message's real level: a warning or an error is not printed as [INFO].
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {combinedLine, runCli, tempDir, writeLog} from './helpers.js';
import {levelOf} from '../source/log-level.js';

test('a message written with a level word gets that level (the word not repeated); the rest is information', () => {
	assert.deepEqual(levelOf('WARNING: IIS log file being parsed without --w3c-time-taken-millisecs option.'), {
		level: 'WARNING',
		text: 'IIS log file being parsed without --w3c-time-taken-millisecs option.',
	});
	assert.deepEqual(levelOf('warning: something odd'), {level: 'WARNING', text: 'something odd'});
	assert.deepEqual(levelOf('Error: the database is gone'), {level: 'ERROR', text: 'the database is gone'});
	assert.equal(levelOf('The Matomo tracker identified 2 invalid requests on lines: 3, 7').level, 'WARNING');
	assert.equal(levelOf('progress could not be saved: ENOSPC').level, 'WARNING');
	assert.deepEqual(levelOf('Connected to Matomo 5.0.2 at http://m/'), {level: 'INFO', text: 'Connected to Matomo 5.0.2 at http://m/'});
});

test('headless: a file that is missing is logged as a warning, not [INFO]', async () => {
	const dir = tempDir('mli-log-level-');
	const file = writeLog([combinedLine({})], 'access.log', dir);
	const missing = path.join(dir, 'missing.log');
	const result = await runCli(['--dry-run', '--idsite=1', file, missing], {env: {XDG_STATE_HOME: dir}});
	assert.match(result.stderr, new RegExp(String.raw`\[WARNING\] file not found: ${missing.replaceAll('.', String.raw`\.`)}`));
	assert.doesNotMatch(result.stderr, /\[INFO\] file not found/);
});

test('headless: the IIS time-taken warning is a [WARNING]', async () => {
	const dir = tempDir('mli-log-level-');
	const file = writeLog(
		[
			'#Software: Microsoft Internet Information Services 10.0',
			'#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status time-taken',
			'2024-02-10 10:00:00 10.0.0.1 GET /index.html - 80 - 192.0.2.1 Mozilla/5.0 - 200 15',
		],
		'u_ex240210.log',
		dir,
	);
	const result = await runCli(['--dry-run', '--idsite=1', file], {env: {XDG_STATE_HOME: dir}});
	assert.match(result.stderr, /\[WARNING\] IIS log file being parsed without --w3c-time-taken-millisecs/);
	assert.doesNotMatch(result.stderr, /\[INFO\] WARNING/);
});
