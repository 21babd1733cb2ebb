/**
 * Rates, GoAccess-style: lines/s parsed and hits/s recorded, now (last seconds) and on average, with a sparkline of
 * the last minute. A falling hits line under a steady lines line means Matomo does not keep up.
 */
import {Box, Text} from 'ink';
import type {RunState} from '../run/run-state.js';
import {currentRate, rateSeries, type RateSample} from './use-run-snapshot.js';
import {Sparkline} from './sparkline.js';
import {formatCount, formatRate} from './units.js';

export interface RatesPanelProps {
	readonly state: RunState;
	readonly now: number;
	readonly history: readonly RateSample[];
	readonly width: number;
}

function RateRow({label, now, average, series}: {readonly label: string; readonly now: number; readonly average: number; readonly series: number[]}) {
	return (
		<Box>
			<Box width={14} flexShrink={0}>
				<Text bold>{label}</Text>
			</Box>
			<Text>{formatRate(now).padStart(7)}/s now </Text>
			<Text dimColor>{formatRate(average).padStart(7)}/s avg </Text>
			<Box flexShrink={1}>
				<Sparkline values={series} />
			</Box>
		</Box>
	);
}

export function RatesPanel({state, now, history, width}: RatesPanelProps) {
	const c = state.counters;
	const elapsed = Math.max(0.001, ((state.finishedAt ?? now) - state.startedAt) / 1000);
	// Label 14, "now" 14, "avg" 15: the sparkline gets the rest, up to a minute.
	const seconds = Math.max(8, Math.min(60, width - 14 - 14 - 15));
	const recorded = state.dryRun ? 'Hits (dry run)' : 'Hits recorded';
	return (
		<Box flexDirection="column">
			<RateRow label="Lines read" now={currentRate(history, 'lines')} average={c.linesRead / elapsed} series={rateSeries(history, now, 'lines', seconds)} />
			<RateRow label={recorded} now={currentRate(history, 'hits')} average={c.hitsRecorded / elapsed} series={rateSeries(history, now, 'hits', seconds)} />
			<Text dimColor wrap="truncate-end">
				{formatCount(c.linesRead)} lines · {formatCount(c.hitsRecorded)} hits recorded ·{' '}
				{formatCount(Math.max(0, c.hitsQueued - c.hitsRecorded - c.skipped.trackerInvalid))} on the way · {formatCount(c.downloads)} downloads ·{' '}
				{formatCount(c.requests)} requests{c.retries > 0 ? `, ${formatCount(c.retries)} retries` : ''}
			</Text>
		</Box>
	);
}
