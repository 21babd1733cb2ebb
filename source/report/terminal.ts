/**
 * Whether this process may use the interactive UI. Ink 6 does not treat piped output as non-interactive, so we
 * decide: a terminal on both stdin and stdout, not CI, not --yes.
 */
import process from 'node:process';

export interface InteractivityInput {
	yes: boolean;
}

export function isInteractive(config: InteractivityInput, env: NodeJS.ProcessEnv = process.env): boolean {
	if (config.yes) return false;
	if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0') return false;
	return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** NO_COLOR (any value) or --no-color turns colours off. */
export function colorEnabled(config: {color: boolean}, env: NodeJS.ProcessEnv = process.env): boolean {
	return config.color && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}
