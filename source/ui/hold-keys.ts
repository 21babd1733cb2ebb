/**
 * Keys typed while the program starts (loading the UI takes a moment) are neither echoed by the terminal nor lost:
 * imported first by the CLI, this puts the terminal in raw mode at once when the run looks interactive (a terminal on
 * both ends, no --yes, not CI), so the terminal stops echoing, and the bytes wait in the terminal's buffer until the
 * UI reads them. A token typed early never shows. `releaseKeys` gives the terminal back when the run turns out to be
 * headless after all; at exit it is given back in any case.
 */
import process from 'node:process';
import {isCi} from '../options/environment.js';

let held = false;

function looksInteractive(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
	if (!process.stdin.isTTY || !process.stdout.isTTY || isCi(env)) return false;
	// What never opens the UI: headless (--yes, -y and its prefixes), --help, --version, a usage error is no harm.
	return !argv.some(word => word === '-y' || word === '-h' || /^--(y|ye|yes|h|he|hel|help|version)(=|$)/.test(word));
}

export function holdKeys(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): void {
	if (held || !looksInteractive(argv, env)) return;
	try {
		process.stdin.setRawMode(true);
		held = true;
		process.once('exit', releaseKeys);
	} catch {}
}

/** The terminal back to how it was (the UI, when it starts, takes raw mode over by itself). */
export function releaseKeys(): void {
	if (!held) return;
	held = false;
	process.off('exit', releaseKeys);
	try {
		process.stdin.setRawMode(false);
	} catch {}
}

holdKeys();
