/** The TUI's engine log: -d and --debug-tracker go to a file (the screen is Ink's), named in the run's notices. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import test from 'node:test';
import {debugLogFile} from '../source/run/log-file.js';
import {RunSession} from '../source/run/session.js';
import {combinedLine, configFrom, tempDir, writeLog} from './helpers.js';

test('no debug flag: no log file', () => {
	assert.equal(debugLogFile(configFrom(['--dry-run', 'x.log'])), undefined);
});

test('-dd in a session: the debug lines of the run land in the file', async () => {
	const file = writeLog([combinedLine({}), 'not a log line', combinedLine({path: '/b'})]);
	const config = configFrom(['-dd', '--dry-run', '--idsite=1', file]);
	const log = debugLogFile(config, tempDir())!;
	const session = new RunSession(config, {log: log.write});
	assert.equal(await session.connect(), true);
	session.notice(`debug log: ${log.path}`);
	session.start();
	const outcome = await session.run();
	await session.close();
	assert.equal(outcome.exitCode, 0);
	assert.ok(outcome.state.notices.includes(`debug log: ${log.path}`));
	assert.match(fs.readFileSync(log.path, 'utf8'), /Invalid line detected .*not a log line/);
});
