/**
 * The recorders: how many requests may be in flight (+/-), each lane's state (sending / waiting for a slot /
 * retrying / idle) with the hits it carries, the batches in flight and the queue depth.
 */
import {Box, Text} from 'ink';
import type {LaneState, RunState} from '../run/run-state.js';
import {useTheme} from './theme.js';
import {formatCount} from './units.js';

export interface RecordersPanelProps {
	readonly state: RunState;
	/** Requests allowed in flight at once (the run's concurrency). */
	readonly concurrency: number;
	readonly width: number;
	/** One row of lanes, no legend: for short terminals. */
	readonly compact?: boolean;
}

const symbols: Record<LaneState['phase'], string> = {sending: '▶', waiting: '…', retrying: '↻', idle: '·'};
const cellWidth = 7;

/**
 * What `+` can still do, and why not when it cannot: the lanes (hits of one visitor always go to the same lane, so
 * a visit's order holds) are fixed when the import starts, and at most one request per lane is in flight.
 */
export function recordersLimitText(lanes: number, concurrency: number): string {
	if (lanes <= 1) return '+ cannot add: --recorders=1 sends in log order, one request at a time (start with --recorders=N or auto for parallel requests)';
	if (concurrency >= lanes) return `+ stops at ${lanes}, the lanes this run started with (one request each); start with a higher --recorders for more`;
	return `+ up to ${lanes} · - down to 1`;
}

export function RecordersPanel({state, concurrency, width, compact = false}: RecordersPanelProps) {
	const theme = useTheme();
	const lanes = state.lanes;
	if (state.dryRun || lanes.length === 0) {
		return (
			<Text>
				<Text bold>Recorders</Text>
				<Text dimColor>{state.dryRun ? '  dry run: nothing is sent to Matomo' : '  starting…'}</Text>
			</Text>
		);
	}

	// In flight: sent and not answered. A lane with a batch ready but no free slot is waiting, not in flight.
	const inFlight = lanes.filter(lane => lane.phase === 'sending' || lane.phase === 'retrying').length;
	const waiting = lanes.filter(lane => lane.phase === 'waiting').length;
	const queued = lanes.reduce((sum, lane) => sum + lane.queued, 0);
	const retrying = lanes.filter(lane => lane.phase === 'retrying').length;
	const latencies = lanes.map(lane => lane.lastLatencyMs).filter((ms): ms is number => ms !== null);
	const latency = latencies.length > 0 ? Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) : null;
	const perRow = Math.max(1, Math.floor(width / cellWidth));
	const shown = lanes.slice(0, perRow * (compact ? 1 : 2));
	const rows: LaneState[][] = [];
	for (let i = 0; i < shown.length; i += perRow) rows.push(shown.slice(i, i + perRow));
	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end">
				<Text bold>Recorders</Text> {concurrency} of {lanes.length} at a time
				<Text dimColor> · </Text>
				{state.adaptiveConcurrency ? <Text dimColor>{`up to ${state.batchSize} hits a request · `}</Text> : null}
				{inFlight} {inFlight === 1 ? 'request' : 'requests'} in flight
				{waiting > 0 ? <Text dimColor>{` · ${waiting} waiting for a slot`}</Text> : null}
				<Text dimColor> · </Text>
				{formatCount(queued)} hits queued
				{retrying > 0 ? <Text color={theme.warn}>{` · ${retrying} retrying`}</Text> : null}
				{latency === null ? '' : <Text dimColor>{` · ~${latency} ms an answer`}</Text>}
			</Text>
			{rows.map((row, index) => (
				<Box key={index}>
					{row.map(lane => (
						<Box key={lane.id} width={cellWidth} flexShrink={0}>
							<Text color={lane.phase === 'retrying' ? theme.warn : lane.phase === 'sending' ? theme.accent : undefined} dimColor={lane.phase === 'idle'}>
								{symbols[lane.phase]}
								{lane.phase === 'idle' ? '' : String(lane.inFlight || lane.queued)}
							</Text>
						</Box>
					))}
				</Box>
			))}
			{lanes.length > shown.length ? <Text dimColor>… {lanes.length - shown.length} more lanes</Text> : null}
			{compact ? null : (
				<Text dimColor wrap="truncate-end">
					{recordersLimitText(lanes.length, concurrency)}
				</Text>
			)}
			{compact ? null : <Text dimColor>▶ sending · … waiting for a slot · ↻ retrying · · idle (numbers: hits)</Text>}
		</Box>
	);
}
