/**
 * The first lines of a log as the chosen format reads them: date, ip, method, path, status, size, referrer, user
 * agent. A line the format does not parse is marked ✗ and shown as it is, so a wrong format is seen at a glance.
 */
import {Box, Text} from 'ink';
import type {Fields, LineParser} from '../parse/format.js';
import {useTheme} from './theme.js';
import {printable} from './units.js';

export interface PreviewColumn {
	readonly title: string;
	readonly width: number;
	readonly value: (fields: Fields) => string | undefined;
}

const marker = 2;

/** Column widths for the terminal width: the short fields fixed, the rest shared by weight. */
export function previewColumns(width: number): PreviewColumn[] {
	const fixed = [
		{title: 'status', width: 6, value: (f: Fields) => f.status},
		{title: 'method', width: 6, value: (f: Fields) => f.method},
		{title: 'size', width: 7, value: (f: Fields) => f.length},
	];
	const flexible = [
		{title: 'date', weight: 0.25, value: (f: Fields) => f.date},
		{title: 'ip', weight: 0.16, value: (f: Fields) => f.ip},
		{title: 'path', weight: 0.28, value: (f: Fields) => f.path},
		{title: 'referrer', weight: 0.13, value: (f: Fields) => f.referrer},
		{title: 'user agent', weight: 0.18, value: (f: Fields) => f.user_agent},
	];
	// Each cell keeps one space on its right.
	const gaps = fixed.length + flexible.length;
	const room = Math.max(flexible.length * 4, width - marker - gaps - fixed.reduce((sum, column) => sum + column.width, 0));
	// A whole date (20 characters in most formats) is worth more than a longer path: it gets its width first when
	// the terminal allows, the rest is shared by weight.
	const dateWidth = room >= 60 ? 20 : 0;
	const rest = room - dateWidth;
	const weights = flexible.filter(column => dateWidth === 0 || column.title !== 'date');
	const total = weights.reduce((sum, column) => sum + column.weight, 0);
	const sized = flexible.map(column => ({
		title: column.title,
		value: column.value,
		width: column.title === 'date' && dateWidth > 0 ? dateWidth : Math.max(4, Math.floor((rest * column.weight) / total)),
	}));
	const [date, ip, pathColumn, referrer, agent] = sized;
	return [date!, ip!, fixed[1]!, pathColumn!, fixed[0]!, fixed[2]!, referrer!, agent!];
}

export interface FormatPreviewProps {
	readonly parser: LineParser | null;
	readonly lines: readonly string[];
	/** 1-based number of lines[0] in the file. */
	readonly firstLineNumber: number;
	readonly width: number;
}

function Cell({width, text, bold = false}: {readonly width: number; readonly text: string; readonly bold?: boolean}) {
	return (
		<Box width={width} flexShrink={0} marginRight={1}>
			<Text bold={bold} wrap="truncate-end">{text === '' ? ' ' : printable(text)}</Text>
		</Box>
	);
}

export function FormatPreview({parser, lines, firstLineNumber, width}: FormatPreviewProps) {
	const theme = useTheme();
	const columns = previewColumns(width);
	return (
		<Box flexDirection="column">
			<Box>
				<Box width={marker} flexShrink={0} />
				{columns.map(column => (
					<Cell key={column.title} width={column.width} text={column.title} bold />
				))}
			</Box>
			{lines.map((line, index) => {
				let fields: Fields | null = null;
				try {
					fields = parser?.parse(line) ?? null;
				} catch {
					fields = null;
				}

				if (fields === null) {
					return (
						<Box key={index} width={width}>
							<Text color={theme.error} inverse={!theme.color} wrap="truncate-end">
								{`✗ ${firstLineNumber + index}: ${printable(line) || '(empty line)'}`}
							</Text>
						</Box>
					);
				}

				const parsed = fields;
				return (
					<Box key={index}>
						<Box width={marker} flexShrink={0}>
							<Text color={theme.ok}>✓</Text>
						</Box>
						{columns.map(column => (
							<Cell key={column.title} width={column.width} text={column.value(parsed) ?? '-'} />
						))}
					</Box>
				);
			})}
		</Box>
	);
}
