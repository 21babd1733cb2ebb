/** A bar of `width` cells for a share in [0, 1]; unknown (stdin) shows a plain track. */
import {Text} from 'ink';
import {useTheme} from './theme.js';

export interface ProgressBarProps {
	readonly ratio: number | null;
	readonly width: number;
	readonly done?: boolean;
}

export function progressCells(ratio: number, width: number): string {
	const clamped = Math.max(0, Math.min(1, ratio));
	const full = Math.floor(clamped * width);
	return '█'.repeat(full) + '░'.repeat(Math.max(0, width - full));
}

export function ProgressBar({ratio, width, done = false}: ProgressBarProps) {
	const theme = useTheme();
	if (ratio === null) return <Text dimColor>{'·'.repeat(Math.max(0, width))}</Text>;
	return <Text color={done ? theme.ok : theme.accent}>{progressCells(ratio, Math.max(0, width))}</Text>;
}
