/**
 * The live dashboard of an import: files, rates, skipped lines, recorders; error samples go to the log above it.
 * Keys: p pause/resume reading, +/- recorders, e more error samples, q or Ctrl+C stop (a second Ctrl+C: at once).
 * It fits the terminal's height: in a short terminal the panels drop their spacing and extra rows.
 */
import {useEffect, useState} from 'react';
import {Box, Text} from 'ink';
import type {ImportRun} from '../run/import-run.js';
import type {RunState} from '../run/run-state.js';
import {ProgressPanel} from './progress-panel.js';
import {RatesPanel} from './rates-panel.js';
import {SkippedPanel} from './skipped-panel.js';
import {HiddenSamples, type LogItem, type SampleFeed} from './samples-panel.js';
import {RecordersPanel, recordersLimitText} from './recorders-panel.js';
import {useRunSnapshot} from './use-run-snapshot.js';
import {isCtrlC, useKeys} from './use-keys.js';
import {useTheme} from './theme.js';
import {HelpScreen, useHelpKey} from './help-screen.js';

/** What the dashboard uses of a run (an ImportRun). */
export type DashboardRun = Pick<ImportRun, 'snapshot' | 'pause' | 'resume' | 'setConcurrency' | 'concurrency'>;

export interface DashboardProps {
	readonly run: DashboardRun;
	/** "Matomo 5.2.0 at …, site 1": where this import goes. */
	readonly target: string;
	readonly sizes: ReadonlyMap<string, number>;
	readonly width: number;
	readonly rows: number;
	/** Picks the samples to print; `onLog` prints them above the dashboard. */
	readonly feed: SampleFeed;
	readonly onLog: (items: LogItem[]) => void;
	/** q (graceful) or Ctrl+C (graceful, then at once): the app decides, it owns the run. */
	readonly onStop: (how: 'q' | 'ctrl-c') => void;
	/** The run was asked to stop: finishing the batches in flight. */
	readonly stopping: boolean;
	readonly refreshMs?: number;
}

const samplesStep = 10;

/**
 * While a request waits to be tried again: why the rates dropped, and for how long. The due time comes from the
 * lanes (LaneState.retryAt) or the error (MatomoErrorSample.retryAt) when the recorders give it.
 */
export function retryText(state: RunState, now: number): string | undefined {
	const retrying = state.lanes.filter(lane => lane.phase === 'retrying');
	if (retrying.length === 0) return undefined;
	const last = state.matomoErrors.filter(sample => sample.willRetry).at(-1);
	const dues = [...retrying.map(lane => lane.retryAt), last?.retryAt].filter((at): at is number => typeof at === 'number' && at >= now - 1000);
	const due = dues.length > 0 ? Math.min(...dues) : undefined;
	const when = due === undefined ? 'retrying soon' : `retrying in ${Math.max(0, Math.ceil((due - now) / 1000))} s`;
	const attempt = last ? `, attempt ${last.attempt + 1}${last.maxAttempts ? ` of ${last.maxAttempts}` : ''}` : '';
	const what = last ? ` after ${last.status === null ? 'a network error' : `HTTP ${last.status}`}` : '';
	const lanes = retrying.length > 1 ? ` (${retrying.length} requests)` : '';
	return `↻ Matomo failed${what}: ${when}${attempt}${lanes}`;
}

export function Dashboard({run, target, sizes, width, rows, feed, onLog, onStop, stopping, refreshMs = 250}: DashboardProps) {
	const theme = useTheme();
	const {state, now, history} = useRunSnapshot(run, refreshMs);
	const [shownAt, setShownAt] = useState(0);
	// The concurrency as last set here, for the render right after a key (the snapshot does not carry it).
	const [, setConcurrency] = useState(() => run.concurrency);
	const [keyNote, setKeyNote] = useState<string | undefined>();
	const [help, setHelp] = useState(false);
	useHelpKey(() => {
		setHelp(shown => !shown);
	}, true);

	useEffect(() => {
		const items = feed.take(state);
		if (items.length > 0) onLog(items);
	}, [state, shownAt]);

	useKeys((input, key) => {
		if (isCtrlC(input, key)) return onStop('ctrl-c');
		if (input === 'q') return onStop('q');
		if (stopping) return;
		if (input === 'p') {
			if (state.phase === 'paused') run.resume();
			else run.pause();
		} else if (input === '+' || input === '=') {
			const before = run.concurrency;
			run.setConcurrency(before + 1);
			setConcurrency(run.concurrency);
			// Said, not silent: why + did nothing.
			setKeyNote(run.concurrency === before ? recordersLimitText(state.lanes.length, before) : undefined);
		} else if (input === '-' || input === '_') {
			run.setConcurrency(Math.max(1, run.concurrency - 1));
			setConcurrency(run.concurrency);
			setKeyNote(undefined);
		} else if (input === 'e') {
			feed.raise(samplesStep);
			setShownAt(Date.now());
		}
	});

	const paused = state.phase === 'paused';
	const phaseText =
		stopping || state.phase === 'stopping'
			? 'stopping: finishing the batches in flight (Ctrl+C again: stop at once)'
			: paused
				? 'paused: p resumes reading (requests in flight finish)'
				: state.phase === 'starting'
					? 'starting…'
					: 'importing';
	// About 34 rows in full; a shorter terminal gets the compact layout (about 23).
	const compact = rows < 37;
	const gap = compact ? 0 : 1;
	const inner = width - 4;
	return (
		<Box flexDirection="column" width={width}>
			<Box borderStyle="round" borderColor={theme.muted} flexDirection="column" paddingX={1} width={width}>
				<Text wrap="truncate-end">
					<Text bold>matomo-log-import</Text>
					<Text dimColor>{` → ${target}`}</Text>
				</Text>
				<Text color={stopping || paused ? theme.warn : theme.ok} wrap="truncate-end">
					{state.dryRun ? 'DRY RUN · ' : ''}
					{phaseText}
				</Text>
				<Box marginTop={gap}>
					<ProgressPanel state={state} now={now} sizes={sizes} width={inner} maxRows={compact ? 3 : 5} />
				</Box>
				<Box marginTop={gap}>
					<RatesPanel state={state} now={now} history={history} width={inner} />
				</Box>
				<Box marginTop={gap}>
					<SkippedPanel state={state} width={inner} maxRows={compact ? 3 : 6} />
				</Box>
				<Box marginTop={gap}>
					<RecordersPanel state={state} concurrency={run.concurrency} width={inner} compact={compact} />
				</Box>
			</Box>
			{retryText(state, now) ? (
				<Text color={theme.warn} wrap="wrap">
					{retryText(state, now)}
				</Text>
			) : null}
			<HiddenSamples hidden={feed.hidden(state)} />
			{keyNote ? (
				<Text color={theme.warn} wrap="wrap">
					{keyNote}
				</Text>
			) : null}
			{help ? <HelpScreen context="dashboard" width={width} /> : null}
			<Text dimColor>p {paused ? 'resume' : 'pause'} · +/- recorders · e errors · q stop · ? help</Text>
		</Box>
	);
}
