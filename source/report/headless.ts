/**
 * The headless view of an import run (cron, CI, pipes): plain progress lines on stderr at a fixed interval, computed
 * from snapshots like the TUI's, never per line. No prompts, no raw mode.
 */
import type {MatomoErrorSample, RunState} from '../core/run-state.js';

export interface ProgressReporter {
	stop(): void;
}

export interface HeadlessOptions {
	intervalMs: number;
	write: (line: string) => void;
}

/** The reference's monitor line, with lines/s added: `N lines parsed, N lines recorded, N records/sec (avg), …`. */
export function progressLine(state: RunState, previous: {at: number; recorded: number; lines: number} | undefined, now: number): string {
	const c = state.counters;
	const elapsed = Math.max(0.001, (now - state.startedAt) / 1000);
	const span = previous ? Math.max(0.001, (now - previous.at) / 1000) : elapsed;
	const currentRecords = previous ? (c.hitsRecorded - previous.recorded) / span : c.hitsRecorded / elapsed;
	const currentLines = previous ? (c.linesRead - previous.lines) / span : c.linesRead / elapsed;
	return `${c.linesRead} lines parsed, ${c.hitsRecorded} lines recorded, ${Math.trunc(c.hitsRecorded / elapsed)} records/sec (avg), ${Math.trunc(currentRecords)} records/sec (current), ${Math.trunc(currentLines)} lines/sec (current)`;
}

export function startHeadlessProgress(run: {snapshot(): RunState; state: RunState}, options: HeadlessOptions): ProgressReporter {
	let previous: {at: number; recorded: number; lines: number} | undefined;
	const announced = new Set<number>();
	const tick = () => {
		const state = run.state;
		for (const input of state.inputs) {
			if (input.phase !== 'pending' && !announced.has(input.id)) {
				announced.add(input.id);
				options.write(`Parsing log ${input.displayName}...`);
			}
		}

		const now = Date.now();
		options.write(progressLine(state, previous, now));
		previous = {at: now, recorded: state.counters.hitsRecorded, lines: state.counters.linesRead};
	};

	const timer = setInterval(tick, options.intervalMs);
	timer.unref();
	return {
		stop() {
			clearInterval(timer);
		},
	};
}

export interface ErrorLogOptions {
	write: (line: string) => void;
	/** How often the run's error samples are looked at, ms. */
	intervalMs?: number;
	/** --retry-max-attempts (0: forever), for "attempt 2 of 3". */
	maxAttempts?: number;
	now?: () => number;
}

function stamp(at: number): string {
	return new Date(at).toISOString().replace('T', ' ').slice(0, 19);
}

/** The lines for one failed Matomo request, in the reference's words, with what comes next. */
export function matomoErrorLines(sample: MatomoErrorSample, maxAttempts: number | undefined, now: number): string[] {
	const max = sample.maxAttempts ?? maxAttempts;
	const lines = [`${stamp(sample.at)}: [WARNING] Error when connecting to Matomo: ${sample.message}`];
	if (sample.willRetry) {
		const of = max === undefined ? '' : max === 0 ? ' (no limit)' : ` of ${max}`;
		const wait = typeof sample.retryAt === 'number' ? `, in ${Math.max(0, Math.ceil((sample.retryAt - now) / 1000))} s` : '';
		lines.push(`${stamp(sample.at)}: [WARNING] Retrying request, attempt number ${sample.attempt + 1}${of}${wait}`);
	} else {
		lines.push(`${stamp(sample.at)}: [ERROR] Giving up on this request after ${sample.attempt} ${sample.attempt === 1 ? 'attempt' : 'attempts'}`);
	}

	return lines;
}

/**
 * Every failed request to Matomo and its retry, on stderr, as they happen (import_logs.py logs them too): a headless
 * run that slows down says why. Read from the run's error samples, never per line.
 */
export function startMatomoErrorLog(run: {state: RunState}, options: ErrorLogOptions): ProgressReporter {
	let lastSeq = -1;
	const now = options.now ?? Date.now;
	const tick = () => {
		for (const sample of run.state.matomoErrors) {
			if (sample.seq <= lastSeq) continue;
			lastSeq = sample.seq;
			for (const line of matomoErrorLines(sample, options.maxAttempts, now())) options.write(line);
		}
	};

	const timer = setInterval(tick, options.intervalMs ?? 200);
	timer.unref();
	return {
		stop() {
			clearInterval(timer);
			tick();
		},
	};
}
