/**
 * Per file: a bar by bytes (compressed bytes for .gz/.bz2, the size on disk), lines read and the ETA; above them,
 * the overall elapsed time and ETA. Many files: the one being read, its neighbours, and counts for the rest.
 */
import {Box, Text} from 'ink';
import type {InputProgress, RunState} from '../run/run-state.js';
import {ProgressBar} from './progress-bar.js';
import {useTheme} from './theme.js';
import {formatCount, formatDuration} from './units.js';

export interface ProgressPanelProps {
	readonly state: RunState;
	readonly now: number;
	/** Sizes known before the engine opens a file (the wizard stat'ed them), by path. */
	readonly sizes: ReadonlyMap<string, number>;
	readonly width: number;
	readonly maxRows?: number;
}

function sizeOf(input: InputProgress, sizes: ReadonlyMap<string, number>): number | null {
	return input.size ?? sizes.get(input.path) ?? null;
}

/**
 * Bytes of a plain file skipped by a resume (reading started there): not work done in this run, or the rate, and
 * so the ETA, would count them. A compressed file is read from its start again.
 */
function resumedBytes(input: InputProgress): number {
	return input.compression === 'none' ? Math.max(0, input.startOffset) : 0;
}

function fileEta(input: InputProgress, size: number | null, now: number): number | null {
	const read = input.bytesRead - resumedBytes(input);
	if (size === null || input.startedAt === null || read <= 0) return null;
	const seconds = (now - input.startedAt) / 1000;
	const rate = read / Math.max(0.001, seconds);
	return Math.max(0, size - input.bytesRead) / rate;
}

/** Seconds left for the whole run, at the average byte rate so far; null while unknown (stdin, nothing read). */
export function overallEta(state: RunState, sizes: ReadonlyMap<string, number>, now: number): number | null {
	let done = 0;
	let total = 0;
	for (const input of state.inputs) {
		const size = sizeOf(input, sizes);
		const resumed = resumedBytes(input);
		if (input.phase === 'done' || input.phase === 'failed' || input.phase === 'skipped') {
			done += Math.max(0, input.bytesRead - resumed);
			total += Math.max(0, input.bytesRead - resumed);
			continue;
		}

		if (size === null) return null;
		// Counted from where the import resumed: the part read by earlier runs is neither done now nor to do.
		done += Math.max(0, input.bytesRead - resumed);
		total += Math.max(0, size - resumed);
	}

	const elapsed = (now - state.startedAt) / 1000;
	if (done <= 0 || elapsed <= 0) return null;
	return Math.max(0, total - done) / (done / elapsed);
}

const icons: Record<InputProgress['phase'], string> = {
	pending: '·',
	detecting: '…',
	reading: '▶',
	done: '✓',
	failed: '✗',
	skipped: '–',
};

/** The rows to show: around the file being read. */
function visibleInputs(inputs: readonly InputProgress[], maxRows: number): {shown: InputProgress[]; before: number; after: number} {
	if (inputs.length <= maxRows) return {shown: [...inputs], before: 0, after: 0};
	let active = inputs.findIndex(input => input.phase === 'reading' || input.phase === 'detecting');
	if (active === -1) active = inputs.findIndex(input => input.phase === 'pending');
	if (active === -1) active = inputs.length - 1;
	const first = Math.max(0, Math.min(active - 1, inputs.length - maxRows));
	return {shown: inputs.slice(first, first + maxRows), before: first, after: inputs.length - first - maxRows};
}

export function ProgressPanel({state, now, sizes, width, maxRows = 5}: ProgressPanelProps) {
	const theme = useTheme();
	const finished = state.inputs.filter(input => input.phase === 'done' || input.phase === 'skipped' || input.phase === 'failed').length;
	const current = Math.min(state.inputs.length, finished + 1);
	const elapsed = ((state.finishedAt ?? now) - state.startedAt) / 1000;
	const eta = overallEta(state, sizes, now);
	const {shown, before, after} = visibleInputs(state.inputs, maxRows);
	const nameWidth = Math.max(12, Math.floor(width * 0.3));
	const tailWidth = 26;
	const barWidth = Math.max(8, width - nameWidth - tailWidth - 4);
	return (
		<Box flexDirection="column">
			<Text>
				<Text bold>Files </Text>
				{state.inputs.length === 0 ? 'looking for the files…' : `${current} of ${state.inputs.length}`}
				<Text dimColor>{'  ·  '}</Text>
				elapsed {formatDuration(elapsed)}
				<Text dimColor>{'  ·  '}</Text>
				ETA {state.phase === 'done' ? '0:00' : formatDuration(eta)}
			</Text>
			{before > 0 ? <Text dimColor> … {before} more above</Text> : null}
			{shown.map(input => {
				const size = sizeOf(input, sizes);
				const ratio = input.phase === 'done' ? 1 : size === null || size === 0 ? null : input.bytesRead / size;
				const status =
					input.phase === 'failed' || input.phase === 'skipped'
						? (input.message ?? input.phase)
						: input.phase === 'done'
							? 'done'
							: input.phase === 'pending'
								? 'waiting'
								: `ETA ${formatDuration(fileEta(input, size, now))}`;
				return (
					<Box key={input.id}>
						<Text color={input.phase === 'failed' ? theme.error : input.phase === 'done' ? theme.ok : undefined}>{icons[input.phase]} </Text>
						<Box width={nameWidth} flexShrink={0}>
							<Text wrap="truncate-start">{input.displayName}</Text>
						</Box>
						<Text> </Text>
						<ProgressBar ratio={ratio} width={barWidth} done={input.phase === 'done'} />
						<Box width={tailWidth} flexShrink={0}>
							<Text wrap="truncate-end">
								{ratio === null ? '     ' : `${String(Math.floor(ratio * 100)).padStart(4)}%`} {formatCount(input.linesRead).padStart(9)} l {status}
							</Text>
						</Box>
					</Box>
				);
			})}
			{after > 0 ? <Text dimColor> … {after} more below</Text> : null}
		</Box>
	);
}
