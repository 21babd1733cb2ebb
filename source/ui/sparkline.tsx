/** A sparkline: one cell per value, eight heights, scaled to the largest value shown. */
import {Text} from 'ink';
import {useTheme} from './theme.js';

const bars = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

export function sparkline(values: readonly number[]): string {
	const max = Math.max(0, ...values);
	return values.map(value => (max <= 0 || value <= 0 ? ' ' : bars[Math.min(bars.length - 1, Math.floor((value / max) * (bars.length - 1) + 0.5))]!)).join('');
}

export function Sparkline({values}: {readonly values: readonly number[]}) {
	const theme = useTheme();
	return (
		<Text color={theme.accent} wrap="truncate-end">
			{sparkline(values)}
		</Text>
	);
}
