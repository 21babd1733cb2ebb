/**
 * The dashboard's view of a run: a snapshot pulled a few times a second (never per line: the engine does not know
 * the UI exists), with a minute of history for the rates and the sparkline.
 */
import {useEffect, useRef, useState} from 'react';
import type {RunState} from '../run/run-state.js';

export interface SnapshotSource {
	snapshot(): RunState;
}

export interface RateSample {
	readonly at: number;
	readonly lines: number;
	readonly hits: number;
	readonly bytes: number;
}

export interface RunView {
	readonly state: RunState;
	readonly now: number;
	/** Oldest first, about the last minute. */
	readonly history: readonly RateSample[];
}

export const historyMs = 61_000;

export function sampleOf(state: RunState, at: number): RateSample {
	return {
		at,
		lines: state.counters.linesRead,
		hits: state.counters.hitsRecorded,
		bytes: state.inputs.reduce((sum, input) => sum + input.bytesRead, 0),
	};
}

export function useRunSnapshot(run: SnapshotSource, intervalMs = 250): RunView {
	const history = useRef<RateSample[]>([]);
	const take = (): RunView => {
		const state = run.snapshot();
		const now = Date.now();
		const samples = history.current;
		samples.push(sampleOf(state, now));
		while (samples.length > 2 && samples[0]!.at < now - historyMs) samples.shift();
		return {state, now, history: [...samples]};
	};

	const [view, setView] = useState<RunView>(take);
	useEffect(() => {
		const timer = setInterval(() => {
			setView(take());
		}, intervalMs);
		return () => {
			clearInterval(timer);
		};
	}, [run, intervalMs]);
	return view;
}

type Measure = 'lines' | 'hits' | 'bytes';

/** The value at time `t`: the last sample taken at or before it (the counters only grow). */
function valueAt(history: readonly RateSample[], t: number, measure: Measure): number {
	let value = history[0]?.[measure] ?? 0;
	for (const sample of history) {
		if (sample.at > t) break;
		value = sample[measure];
	}

	return value;
}

/** Per second over the last `windowMs`: what "now" means on the dashboard. */
export function currentRate(history: readonly RateSample[], measure: Measure, windowMs = 3000): number {
	const last = history.at(-1);
	if (!last) return 0;
	const first = history.find(sample => sample.at >= last.at - windowMs) ?? last;
	const span = (last.at - first.at) / 1000;
	return span > 0 ? (last[measure] - first[measure]) / span : 0;
}

/** Per-second rates for the last `seconds` seconds, oldest first (zeros before the run started). */
export function rateSeries(history: readonly RateSample[], now: number, measure: Measure, seconds = 60): number[] {
	const series: number[] = [];
	const start = history[0]?.at ?? now;
	for (let i = seconds - 1; i >= 0; i--) {
		const to = now - i * 1000;
		const from = to - 1000;
		series.push(from < start ? 0 : Math.max(0, valueAt(history, to, measure) - valueAt(history, from, measure)));
	}

	return series;
}
