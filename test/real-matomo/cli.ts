/** Our CLI as users run it (headless, `--yes --json`), against a real Matomo, the token from the environment. */
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {ROOT, runCommand, type CommandResult, type Matomo} from './matomo.js';

const CLI = path.join(ROOT, 'source', 'cli.ts');

export interface CliResult extends CommandResult {
	/** The `--json` summary, when the run printed one. */
	summary?: Record<string, any>;
}

export function cliArgs(matomo: Matomo, args: readonly string[], stateFile?: string): string[] {
	const state = stateFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mli-e2e-state-')), 'state.json');
	return ['--import', 'tsx', CLI, '--yes', '--json', `--url=${matomo.url}`, `--state-file=${state}`, ...args];
}

export function cliEnv(token: string | undefined): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {...process.env, CI: '1'};
	delete env.MATOMO_TOKEN_AUTH;
	if (token !== undefined) env.MATOMO_TOKEN_AUTH = token;
	return env;
}

export async function runCli(matomo: Matomo, args: readonly string[], options: {token?: string | null; stateFile?: string} = {}): Promise<CliResult> {
	const token = options.token === null ? undefined : (options.token ?? matomo.token);
	const result = await runCommand(process.execPath, cliArgs(matomo, args, options.stateFile), {env: cliEnv(token), cwd: ROOT});
	return {...result, summary: parseSummary(result.stdout)};
}

/** The CLI as a child the test controls (to kill it mid-import). */
export function spawnCli(matomo: Matomo, args: readonly string[], stateFile: string): ChildProcess {
	return spawn(process.execPath, cliArgs(matomo, args, stateFile), {
		env: cliEnv(matomo.token),
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}

function parseSummary(stdout: string): Record<string, any> | undefined {
	const line = stdout
		.trim()
		.split('\n')
		.findLast(text => text.startsWith('{'));
	if (line === undefined) return undefined;
	try {
		return JSON.parse(line) as Record<string, any>;
	} catch {
		return undefined;
	}
}
