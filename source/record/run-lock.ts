/**
 * One run at a time on a state file: a `*\/5` cron line whose import takes longer than five minutes must not start a
 * second import of the same lines. The lock is a file beside the state (`state.json.lock`) holding the owner's pid,
 * host and process start time; a second run finds it held and stops at once, before sending anything, with exit
 * status 75 (EX_TEMPFAIL: "try again later", what `flock -n` users test for). A lock whose owner is gone (SIGKILL,
 * a power cut) is taken over without the user: same host, and no live process with that pid and start time.
 */
import {hostname} from 'node:os';
import {linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync} from 'node:fs';
import {dirname} from 'node:path';

/** The exit status of a run that found another run working on the same state. */
export const LOCKED_EXIT_CODE = 75;

export class LockedError extends Error {
	readonly exitCode = LOCKED_EXIT_CODE;
}

interface Owner {
	pid: number;
	host: string;
	/** The owner's start time as the kernel counts it (Linux), so that a recycled pid is not taken for the owner. */
	processStart: string | null;
	since: string;
	/** Unique per lock taken: a run in the same process (tests) is another owner. */
	token: string;
}

/** A lock file younger than this with no readable owner is being written: held; older, it is left by a crash. */
const unreadableGraceMs = 10_000;

export class RunLock {
	private released = false;
	private readonly onExit = () => this.release();

	private constructor(
		readonly path: string,
		private readonly owner: Owner,
	) {
		// A run that ends without release (an exception, process.exit) still frees the state for the next one.
		process.once('exit', this.onExit);
	}

	/** Takes the lock of `statePath`, or throws LockedError saying who holds it. */
	static acquire(statePath: string): RunLock {
		const path = `${statePath}.lock`;
		mkdirSync(dirname(path), {recursive: true, mode: 0o700});
		const owner: Owner = {
			pid: process.pid,
			host: hostname(),
			processStart: processStart(process.pid),
			since: new Date().toISOString(),
			token: Math.random().toString(36).slice(2) + Date.now().toString(36),
		};
		const text = JSON.stringify(owner) + '\n';
		for (let attempt = 0; attempt < 5; attempt++) {
			if (createExclusive(path, text)) return new RunLock(path, owner);
			let held: string;
			try {
				held = readFileSync(path, 'utf8');
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
				throw error;
			}

			const holder = parseOwner(held);
			if (holder ? ownerAlive(holder) : !unreadableAndOld(path)) {
				throw new LockedError(lockedMessage(path, holder));
			}

			takeOverStale(path, held);
		}

		throw new LockedError(lockedMessage(path, undefined));
	}

	/** Frees the lock if it is still ours. */
	release(): void {
		if (this.released) return;
		this.released = true;
		process.removeListener('exit', this.onExit);
		try {
			if (parseOwner(readFileSync(this.path, 'utf8'))?.token === this.owner.token) unlinkSync(this.path);
		} catch {}
	}
}

/** Creates `path` with `text` only if it does not exist: written beside it, then hard-linked (atomic, whole). */
function createExclusive(path: string, text: string): boolean {
	const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
	writeFileSync(temp, text, {mode: 0o600, flag: 'wx'});
	try {
		linkSync(temp, path);
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
		throw error;
	} finally {
		try {
			unlinkSync(temp);
		} catch {}
	}
}

/**
 * Removes a stale lock, unless another run replaced it since it was read: it is moved aside first, and put back when
 * what was moved is not the stale lock read.
 */
function takeOverStale(path: string, staleText: string): void {
	const aside = `${path}.${process.pid}.stale`;
	try {
		renameSync(path, aside);
	} catch {
		return; // gone already: try again
	}

	try {
		if (readFileSync(aside, 'utf8') !== staleText) {
			try {
				linkSync(aside, path);
			} catch {}
		}
	} finally {
		try {
			unlinkSync(aside);
		} catch {}
	}
}

function parseOwner(text: string): Owner | undefined {
	try {
		const value = JSON.parse(text) as Partial<Owner>;
		if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string') return value as Owner;
	} catch {}
	return undefined;
}

function unreadableAndOld(path: string): boolean {
	try {
		return Date.now() - statSync(path).mtimeMs > unreadableGraceMs;
	} catch {
		return true;
	}
}

/** Whether the process that wrote the lock still runs. On another host it cannot be known: held. */
function ownerAlive(owner: Owner): boolean {
	if (owner.host !== hostname()) return true;
	try {
		process.kill(owner.pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
	}

	// The pid lives: the same process only if it started when the owner did (pids are reused).
	const start = processStart(owner.pid);
	return start === null || owner.processStart === null || start === owner.processStart;
}

/** The start time of a process in clock ticks since boot (Linux /proc), null where it cannot be read. */
function processStart(pid: number): string | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) may hold spaces and parentheses: count the fields after its closing one.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return fields[19] ?? null;
	} catch {
		return null;
	}
}

function lockedMessage(path: string, holder: Owner | undefined): string {
	const who = holder ? `process ${holder.pid} on ${holder.host}, since ${holder.since}` : 'another process';
	return (
		`another import is already working on the same state (${who}; lock ${path}): this run stops without ` +
		`sending anything (exit status ${LOCKED_EXIT_CODE}). The next run continues where that one stops. If no import ` +
		`is running (a lock left on another host), remove the lock file.`
	);
}
