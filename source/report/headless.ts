/**
 * The headless view of an import run (cron, CI, pipes): plain progress lines on stderr at a fixed interval, computed
 * from snapshots like the TUI's, never per line. No prompts, no raw mode.
 */
import type {RunState} from '../core/run-state.js';

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
