/**
 * Whether this process may use the interactive UI. Ink 6 does not treat piped output as non-interactive, so we
 * decide: a terminal on both stdin and stdout, not CI, not --yes.
 */
import process from 'node:process';
import {isCi} from '../options/environment.js';

export interface InteractivityInput {
	yes: boolean;
}

export function isInteractive(config: InteractivityInput, env: NodeJS.ProcessEnv = process.env): boolean {
	if (config.yes) return false;
	if (isCi(env)) return false;
	return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}
