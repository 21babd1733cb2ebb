/** Shared test helpers: temp logs, config from a command line, an import run against the Matomo test double. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawn} from 'node:child_process';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {parseArgv} from '../source/options/argv.js';
import {buildConfig, type ImportConfig} from '../source/options/config.js';
import {ImportRun, type RunOutcome} from '../source/run/import-run.js';
import {createClient} from '../source/record/connect.js';

export function tempDir(prefix = 'mli-test-'): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Checkpoints of test runs that do not name a state file go to a temporary state directory, not the user's.
process.env.XDG_STATE_HOME ??= tempDir('mli-xdg-');

export function writeLog(lines: readonly string[] | string, name = 'access.log', dir = tempDir()): string {
	const file = path.join(dir, name);
	fs.writeFileSync(file, typeof lines === 'string' ? lines : lines.join('\n') + '\n');
	return file;
}

/** A config from command-line words, through the CLI's own parsing (parseArgv: meow, argparse prefixes, -d). */
export function configFrom(args: readonly string[], env: NodeJS.ProcessEnv = {}): ImportConfig {
	const {given, files} = parseArgv(args, import.meta);
	return buildConfig(given, files, env);
}

export interface RunResult extends RunOutcome {
	logs: string[];
}

/** Run an import with a real Matomo client against `url` (the test double). */
export async function runImport(
	args: readonly string[],
	options: {
		url?: string;
		token?: string;
		onRun?: (run: ImportRun) => void;
		parseWorker?: 'auto' | 'always' | 'never';
		shareParsing?: boolean;
	} = {},
): Promise<RunResult> {
	const words = [...args];
	// Every test run its own state file: checkpoints of one test must not make another resume.
	if (!words.some(word => word.startsWith('--state-file'))) words.unshift(`--state-file=${path.join(tempDir('mli-state-'), 'state.json')}`);
	if (options.url) words.unshift(`--url=${options.url}`, `--token-auth=${options.token ?? 'test-token'}`);
	const config = configFrom(words);
	const client = config.url ? createClient(config, config.tokenAuth) : undefined;
	const logs: string[] = [];
	const run = new ImportRun(config, {
		matomo: client,
		log: message => logs.push(message),
		parseWorker: options.parseWorker,
		shareParsing: options.shareParsing,
	});
	options.onRun?.(run);
	try {
		const outcome = await run.run();
		return {...outcome, logs};
	} finally {
		await client?.close();
	}
}

/** The `n`-th combined-format line of a small generated log. */
export function combinedLine(fields: {
	ip?: string;
	date?: string;
	method?: string;
	path?: string;
	status?: number;
	size?: string | number;
	referrer?: string;
	ua?: string;
	user?: string;
}): string {
	return `${fields.ip ?? '192.0.2.1'} - ${fields.user ?? '-'} [${fields.date ?? '10/Feb/2024:10:00:00 +0100'}] "${fields.method ?? 'GET'} ${fields.path ?? '/'} HTTP/1.1" ${fields.status ?? 200} ${fields.size ?? 1234} "${fields.referrer ?? '-'}" "${fields.ua ?? 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0'}"`;
}

export interface CliResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/**
 * Run the CLI from source in a child process, headless (`--yes`, CI set). Asynchronous on purpose: the Matomo test
 * double lives in the test's own event loop, which a synchronous spawn would block.
 */
export function runCli(
	args: readonly string[],
	options: {env?: NodeJS.ProcessEnv; timeoutMs?: number; onStarted?: (child: ReturnType<typeof spawn>) => void} = {},
): Promise<CliResult> {
	return new Promise(resolve => {
		const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('source/cli.ts'), '--yes', ...args], {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: {...process.env, CI: 'true', ...options.env},
		});
		let stdout = '';
		let stderr = '';
		child.stdout!.on('data', data => {
			stdout += data;
		});
		child.stderr!.on('data', data => {
			stderr += data;
		});
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
		child.on('exit', (code, signal) => {
			clearTimeout(timer);
			resolve({code, signal, stdout, stderr});
		});
		options.onStarted?.(child);
	});
}

export interface HangingServer {
	readonly url: string;
	/** Requests it got (and never answered). */
	received(): number;
	close(): void;
}

/** A server that accepts requests and never answers: a Matomo hanging during its check. */
export async function startHangingServer(): Promise<HangingServer> {
	let received = 0;
	const server = http.createServer(() => {
		received++;
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		received: () => received,
		close() {
			server.closeAllConnections();
			server.close();
		},
	};
}
