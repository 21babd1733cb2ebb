/**
 * The end: the same counters as the headless summary (its text, word for word, so the two never differ), the
 * core:archive hint it carries, and the cron line for the next imports. The app prints it once, through the log
 * above the live area, so it stays in the terminal after the program exits.
 */
import {Box, Text} from 'ink';
import type {RunState} from '../run/run-state.js';
import {renderSummary} from '../report/summary.js';
import {wrapCommand} from '../options/equivalent-command.js';
import {useTheme} from './theme.js';

export interface SummaryScreenProps {
	readonly state: RunState;
	readonly exitCode: number;
	readonly apiUrl: string | undefined;
	/** The words of the equivalent command, for cron (wrapped only between them). */
	readonly command: readonly string[] | undefined;
	readonly width: number;
}

export function outcomeText(state: RunState, exitCode: number): string {
	if (state.phase === 'failed') return `The import failed: ${state.failure ?? 'unknown error'}`;
	if (exitCode >= 128) return 'Stopped. The batches in flight were finished; run the same command again to go on.';
	if (exitCode !== 0) return 'Done, with problems (see the messages above).';
	return state.dryRun ? 'Dry run done: nothing was sent to Matomo.' : 'Import done.';
}

export function SummaryScreen({state, exitCode, apiUrl, command, width}: SummaryScreenProps) {
	const theme = useTheme();
	const color = state.phase === 'failed' ? theme.error : exitCode === 0 ? theme.ok : theme.warn;
	return (
		<Box flexDirection="column">
			<Text color={color} bold>
				{outcomeText(state, exitCode)}
			</Text>
			<Text>{renderSummary(state, {apiUrl})}</Text>
			{command ? (
				<Box flexDirection="column">
					<Text bold>Next time, without questions (for cron):</Text>
					<Text wrap="wrap">{wrapCommand(command, width).join('\n')}</Text>
				</Box>
			) : null}
		</Box>
	);
}
