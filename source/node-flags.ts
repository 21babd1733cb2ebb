/**
 * The Node settings the program runs with, in one place: the installed command (bin.ts), `npm start` and the bench
 * start it with these. They cannot be set from inside a running program: V8 sizes the main thread's young
 * generation when it starts (v8.setFlagsFromString changes it for threads created later only), and the size of
 * Node's platform thread pool is fixed at start too. A shebang line cannot carry them portably either
 * (`env -S` is missing from BusyBox and from coreutils before 8.30).
 *
 * - 1 MB semi-spaces: the run's thread moves batches of lines, not lines; a small young generation keeps the
 *   resident memory low (bench/profile.md has the figures).
 * - One V8 platform thread: background compilation and GC helpers for one busy thread; each thread costs memory.
 */
import {spawn} from 'node:child_process';
import process from 'node:process';

export const nodeFlags: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1'];

/** Set in the environment of the program started with nodeFlags: it does not start itself again. */
const relaunchedVariable = 'MATOMO_LOG_IMPORT_NODE_FLAGS';

/** Whether this process already runs with nodeFlags (started by relaunch, or by hand with the flags). */
export function hasNodeFlags(): boolean {
	return process.env[relaunchedVariable] === '1' || nodeFlags.every(flag => process.execArgv.includes(flag));
}

/**
 * Run `script` in a new Node process with nodeFlags, the same arguments, environment and standard streams, and
 * resolve with its exit code. This process only waits: signals sent to it alone (kill PID: cron, systemd with
 * KillMode=process, timeout(1)) are passed on. Ctrl+C in a terminal already reaches the whole foreground process
 * group, the program included: SIGINT is passed on only when no standard stream is a terminal, so one Ctrl+C is
 * not seen twice (a second one means "stop at once").
 */
export async function relaunchWithNodeFlags(script: string): Promise<number> {
	const child = spawn(process.execPath, [...nodeFlags, ...process.execArgv, script, ...process.argv.slice(2)], {
		stdio: 'inherit',
		env: {...process.env, [relaunchedVariable]: '1'},
	});
	const fromTerminal = Boolean(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY);
	const forward = (signal: NodeJS.Signals) => {
		if (signal === 'SIGINT' && fromTerminal) return;
		child.kill(signal);
	};

	const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	for (const signal of signals) process.on(signal, forward);
	try {
		return await new Promise<number>((resolve, reject) => {
			child.on('error', reject);
			child.on('exit', (code, signal) => {
				resolve(code ?? 128 + signalNumber(signal));
			});
		});
	} finally {
		for (const signal of signals) process.off(signal, forward);
	}
}

function signalNumber(signal: NodeJS.Signals | null): number {
	const numbers: Partial<Record<NodeJS.Signals, number>> = {SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15};
	return (signal && numbers[signal]) ?? 1;
}
