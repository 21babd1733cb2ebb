/**
 * What stays in the terminal after the program: the dashboard as it was at the end (files, rates, skipped lines,
 * recorders and retries, durations) and the summary. The live screen is the alternate one, gone at exit: this is
 * printed again on the normal screen.
 */
import {Box, Text} from 'ink';
import type {RunState} from '../run/run-state.js';
import {ProgressPanel} from './progress-panel.js';
import {RatesPanel} from './rates-panel.js';
import {SkippedPanel} from './skipped-panel.js';
import {RecordersPanel} from './recorders-panel.js';
import {SummaryScreen} from './summary-screen.js';
import {useTheme} from './theme.js';

export interface FinalReportProps {
	readonly state: RunState;
	readonly exitCode: number;
	readonly target: string;
	readonly sizes: ReadonlyMap<string, number>;
	readonly width: number;
	readonly apiUrl: string | undefined;
	readonly command: readonly string[] | undefined;
}

export function FinalDashboard({state, target, sizes, width}: Pick<FinalReportProps, 'state' | 'target' | 'sizes' | 'width'>) {
	const theme = useTheme();
	const now = state.finishedAt ?? Date.now();
	const inner = width - 4;
	return (
		<Box borderStyle="round" borderColor={theme.muted} flexDirection="column" paddingX={1} width={width}>
			<Text wrap="truncate-end">
				<Text bold>matomo-log-import</Text>
				<Text dimColor>{` → ${target}`}</Text>
			</Text>
			<ProgressPanel state={state} now={now} sizes={sizes} width={inner} maxRows={5} />
			<RatesPanel state={state} now={now} history={[]} width={inner} />
			<SkippedPanel state={state} width={inner} maxRows={6} />
			<RecordersPanel state={state} concurrency={state.concurrency} width={inner} compact />
		</Box>
	);
}

export function FinalReport(props: FinalReportProps) {
	return (
		<Box flexDirection="column" width={props.width}>
			<FinalDashboard {...props} />
			<SummaryScreen state={props.state} exitCode={props.exitCode} apiUrl={props.apiUrl} command={props.command} width={props.width} />
		</Box>
	);
}
