/**
 * Headless means headless: with --yes, or with stdin/stdout piped, the CLI imports into the Matomo test double and
 * exits without a prompt, without raw mode, without a cursor escape in its output; it never waits on its stdin
 * (left open here, as cron's may be).
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, tempDir, writeLog} from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const token = 'headless-token-0d4e';
let matomo: MatomoDouble;

/** Records any raw-mode switch into $RAW_MODE_LOG, whatever the stream (a pipe has no setRawMode: Ink would throw). */
const rawModeTrap = `data:text/javascript,${encodeURIComponent(`
import fs from 'node:fs';
import tty from 'node:tty';
const note = mode => { if (process.env.RAW_MODE_LOG) fs.appendFileSync(process.env.RAW_MODE_LOG, 'setRawMode(' + mode + ')\\n'); };
const original = tty.ReadStream.prototype.setRawMode;
tty.ReadStream.prototype.setRawMode = function (mode) { note(mode); return original.call(this, mode); };
process.stdin.setRawMode ??= function (mode) { note(mode); return this; };
`)}`;

before(async () => {
	matomo = await startMatomoDouble({token, sites: [{idsite: 1, name: 'Main', main_url: 'http://www.example.com'}]});
});

after(async () => {
	await matomo.close();
});

interface Result {
	code: number | null;
	stdout: string;
	stderr: string;
	rawModeSwitched: boolean;
}

/** The CLI from the sources, stdin/stdout/stderr all pipes, CI unset (so only the pipes or --yes decide). */
function runCli(args: string[], env: Record<string, string> = {}): Promise<Result> {
	const dir = tempDir('mli-headless-');
	const rawModeLog = path.join(dir, 'raw-mode.log');
	const childEnv: NodeJS.ProcessEnv = {...process.env, XDG_STATE_HOME: path.join(dir, 'state'), RAW_MODE_LOG: rawModeLog, ...env};
	delete childEnv.CI;
	delete childEnv.CONTINUOUS_INTEGRATION;
	const child = spawn(process.execPath, ['--import', rawModeTrap, '--import', 'tsx', path.join(root, 'source', 'cli.ts'), ...args], {
		cwd: root,
		env: childEnv,
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	// stdin stays open and silent, like a cron job's: the CLI must not wait for it.
	const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
	return new Promise(resolve => {
		child.on('close', code => {
			clearTimeout(killer);
			child.stdin.destroy();
			resolve({code, stdout, stderr, rawModeSwitched: fs.existsSync(rawModeLog)});
		});
	});
}

function logFile(): string {
	return writeLog([
		combinedLine({ip: '198.51.100.1', path: `/a-${process.pid}-${Date.now()}`}),
		combinedLine({ip: '198.51.100.2', path: '/b'}),
		combinedLine({ip: '198.51.100.3', path: '/style.css'}),
	]);
}

const cursorEscape = /\u001B\[/;

test('--yes with piped stdin and stdout: imports, exits 0, never touches raw mode', {timeout: 30_000}, async () => {
	matomo.reset();
	const result = await runCli(['--yes', `--url=${matomo.url}`, '--idsite=1', logFile()], {MATOMO_TOKEN_AUTH: token});
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stdout, /2 requests imported successfully/);
	assert.equal(matomo.received.length, 2);
	assert.equal(result.rawModeSwitched, false);
	assert.doesNotMatch(result.stderr, /raw mode/i);
	assert.doesNotMatch(result.stdout + result.stderr, cursorEscape);
});

test('without --yes but with pipes: headless all the same', {timeout: 30_000}, async () => {
	matomo.reset();
	const result = await runCli([`--url=${matomo.url}`, '--idsite=1', '--show-progress', logFile()], {MATOMO_TOKEN_AUTH: token});
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stdout, /Logs import summary/);
	assert.doesNotMatch(result.stdout, /Step 1 of 5/);
	assert.equal(result.rawModeSwitched, false);
	assert.doesNotMatch(result.stdout + result.stderr, cursorEscape);
});

test('a missing answer is an error naming the flag, not a prompt', {timeout: 30_000}, async () => {
	const result = await runCli(['--yes', '--idsite=1', logFile()], {MATOMO_TOKEN_AUTH: token});
	assert.notEqual(result.code, 0);
	assert.match(result.stderr, /--url/);
	assert.equal(result.rawModeSwitched, false);
});
