/**
 * The words that start this very program again: the absolute node binary and the real path of the running script,
 * with the node flags it was started with. Cron runs with PATH=/usr/bin:/bin and no nvm: `matomo-log-import` (or a
 * `#!/usr/bin/env node`) is found there only by luck, absolute paths always.
 */
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

export interface RunningProcess {
	readonly execPath: string;
	readonly execArgv: readonly string[];
	readonly argv: readonly string[];
}

/** Flags that only make sense for the run at hand (a debugger, code given inline), not for cron. */
function keptFlags(execArgv: readonly string[]): string[] {
	const kept: string[] = [];
	for (let index = 0; index < execArgv.length; index++) {
		const flag = execArgv[index]!;
		if (flag.startsWith('--inspect')) continue;
		if ((flag === '--import' || flag === '--require' || flag === '-r') && execArgv[index + 1]?.startsWith('data:')) {
			index++;
			continue;
		}

		if (/^--(import|require)=data:/.test(flag)) continue;
		kept.push(flag);
	}

	return kept;
}

/** `[node, ...flags, script]`, every path absolute and real; `['matomo-log-import']` when there is no script. */
export function runningProgram(running: RunningProcess = process): string[] {
	const script = running.argv[1];
	if (script === undefined || script === '') return ['matomo-log-import'];
	let real = path.resolve(script);
	try {
		real = fs.realpathSync(real);
	} catch {}

	return [running.execPath, ...keptFlags(running.execArgv), real];
}
