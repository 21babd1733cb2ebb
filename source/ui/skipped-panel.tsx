/** Skipped lines by reason, with counts and their share of the lines read, the largest first. */
import {Box, Text} from 'ink';
import {skipReasonLabels, type RunState, type SkipReason} from '../run/run-state.js';
import {formatCount, formatPercent} from './units.js';
import {useTheme} from './theme.js';
import {botsLine} from '../report/bots-summary.js';

export interface SkippedPanelProps {
	readonly state: RunState;
	readonly width: number;
	readonly maxRows?: number;
}

export function skippedRows(state: RunState): Array<{reason: SkipReason; label: string; count: number}> {
	return (Object.keys(state.counters.skipped) as SkipReason[])
		.map(reason => ({reason, label: skipReasonLabels[reason], count: state.counters.skipped[reason]}))
		.filter(row => row.count > 0)
		.sort((a, b) => b.count - a.count);
}

export function SkippedPanel({state, width, maxRows = 6}: SkippedPanelProps) {
	const theme = useTheme();
	const rows = skippedRows(state);
	const total = rows.reduce((sum, row) => sum + row.count, 0);
	const shown = rows.slice(0, maxRows);
	const rest = rows.slice(maxRows).reduce((sum, row) => sum + row.count, 0);
	const labelWidth = Math.max(20, Math.min(42, width - 24));
	return (
		<Box flexDirection="column">
			<Text>
				<Text bold>Skipped lines</Text>
				<Text dimColor>{total === 0 ? '  none so far' : `  ${formatCount(total)}, ${formatPercent(total, state.counters.linesRead)} of the lines read`}</Text>
			</Text>
			{shown.map(row => (
				<Box key={row.reason}>
					<Box width={labelWidth} flexShrink={0}>
						<Text color={row.reason === 'invalid' || row.reason === 'trackerInvalid' ? theme.warn : undefined} wrap="truncate-end">
							{'  '}
							{row.label}
						</Text>
					</Box>
					<Text>{formatCount(row.count).padStart(11)}</Text>
					<Text dimColor>{formatPercent(row.count, state.counters.linesRead).padStart(7)}</Text>
				</Box>
			))}
			{rest > 0 ? (
				<Text dimColor>
					{' '}
					… {formatCount(rest)} for {rows.length - maxRows === 1 ? rows[maxRows]!.label : `${rows.length - maxRows} other reasons`}
				</Text>
			) : null}
			{state.bots && (state.bots.visitors > 0 || state.bots.held > 0) ? (
				<Text dimColor wrap="truncate-end">
					{'  '}
					{botsLine(state.bots)}
					{state.bots.held > 0 ? `; ${formatCount(state.bots.held)} hits held for a verdict` : ''}
				</Text>
			) : null}
		</Box>
	);
}
