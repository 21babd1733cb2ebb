/**
 * V8 settings for an import, set by the entry point (bin.ts, `tuneV8`) before the program is loaded; importing
 * this module changes nothing. Each was measured on 1M lines into the count-mode double (bench/profile.md).
 *
 * - A heap-growing factor of 5%: V8 otherwise lets the old generation grow to several times the live data between
 *   full collections (an import promotes a steady stream of short-lived batches).
 * - WebAssembly compiled by the baseline compiler only: the only WebAssembly here is undici's HTTP parser, whose
 *   optimising recompilation in the background costs a peak of compiler memory far above what answers of a few
 *   dozen bytes each are worth.
 * - Young generations sized per thread. V8 fixes an isolate's young generation when it creates it, from the flag as it
 *   is at that moment (a worker's resource limits do not override a flag given on the command line). The run's
 *   thread gets small semi-spaces from the node flags it is started with (node-flags.ts): it moves batches, not
 *   lines. The parse worker allocates per line; `beforeParseWorker` gives it more.
 */
import v8 from 'node:v8';

/** Process-wide: call once, first thing, in the entry point. */
export function tuneV8(): void {
	v8.setFlagsFromString('--heap-growing-percent=5');
	v8.setFlagsFromString('--liftoff-only');
}

/** Semi-space size of a parse worker, in MB: a little more than the run's thread, which moves batches only (bench/profile.md). */
const parseWorkerSemiSpaceMb = 2;

/** Call just before starting a parse worker: its heap is sized from the flags as they are then. */
export function beforeParseWorker(): void {
	v8.setFlagsFromString(`--max-semi-space-size=${parseWorkerSemiSpaceMb}`);
}
