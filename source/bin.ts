#!/usr/bin/env node
/**
 * The installed command. It starts the program (cli.ts) in a Node process with the program's settings
 * (node-flags.ts) unless it already runs with them, and tunes V8 (gc-tuning.ts) in the process that imports: only
 * this entry point changes process-wide settings, nothing does when a module is imported.
 */
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {hasNodeFlags, relaunchWithNodeFlags} from './node-flags.js';
import {tuneV8} from './gc-tuning.js';

if (hasNodeFlags()) {
	tuneV8();
	await import('./cli.js');
} else {
	process.exitCode = await relaunchWithNodeFlags(fileURLToPath(import.meta.url));
}
