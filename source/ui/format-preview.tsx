/**
 * The first lines of a log as the import would read them: the date it sends (UTC), ip, method, path, status, size,
 * referrer, user agent. ✓ marks a line the import accepts; a line it counts invalid (no match, a date it cannot
 * read) is marked ✗ with the reason and shown as it is; a line a filter leaves out (static file, bot…) is marked ·
 * with the filter. A wrong format is seen at a glance.
 */
import {Box, Text} from 'ink';
import type {Fields, LineParser} from '../parse/format.js';
import type {LineVerdict} from './sample-verdicts.js';
import {useTheme} from './theme.js';
import {printable} from './units.js';

export interface PreviewColumn {
	readonly title: string;
	readonly width: number;
	/** Numbers and addresses are never cut: their cell wraps when it must. */
	readonly whole: boolean;
	readonly value: (fields: Fields, verdict?: LineVerdict) => string | undefined;
}

const marker = 2;

/**
 * Column widths for the terminal width. The date, ip, status, method and size get the width of their longest value
 * in `shown` (numbers cut are wrong numbers), the text columns share the rest by weight.
 */
export function previewColumns(width: number, shown: readonly Fields[] = []): PreviewColumn[] {
	const widest = (title: string, value: (f: Fields) => string | undefined, least: number, most: number) =>
		Math.min(most, Math.max(least, title.length, ...shown.map(fields => value(fields)?.length ?? 1)));
	const date = {
		title: 'date (UTC)',
		whole: true,
		width: 19,
		value: (_f: Fields, verdict?: LineVerdict) => (verdict?.kind === 'hit' ? verdict.date : verdict?.kind === 'skipped' ? verdict.label : undefined),
	};
	const ipValue = (f: Fields) => f.ip;
	const sizeValue = (f: Fields) => f.length;
	const sizeWidth = widest('size', sizeValue, 4, 12);
	// An IPv6 address gets its whole width when the terminal has room, else an IPv4's and wraps.
	const ipRoom = width - marker - 8 - 19 - 6 - 6 - sizeWidth - 3 * 5;
	const fixed = [
		{title: 'ip', whole: true, width: Math.min(widest('ip', ipValue, 7, 39), Math.max(15, ipRoom)), value: ipValue},
		{title: 'method', whole: true, width: 6, value: (f: Fields) => f.method},
		{title: 'status', whole: true, width: 6, value: (f: Fields) => f.status},
		{title: 'size', whole: true, width: sizeWidth, value: sizeValue},
	];
	const flexible = [
		{title: 'path', weight: 0.45, value: (f: Fields) => f.path},
		{title: 'referrer', weight: 0.25, value: (f: Fields) => f.referrer},
		{title: 'user agent', weight: 0.3, value: (f: Fields) => f.user_agent},
	];
	// Each cell keeps one space on its right.
	const gaps = 1 + fixed.length + flexible.length;
	const used = marker + gaps + date.width + fixed.reduce((sum, column) => sum + column.width, 0);
	const room = Math.max(flexible.length * 4, width - used);
	const sized = flexible.map(column => ({
		title: column.title,
		whole: false,
		value: column.value,
		width: Math.max(4, Math.floor(room * column.weight)),
	}));
	const [ip, method, status, size] = fixed;
	const [pathColumn, referrer, agent] = sized;
	const columns: PreviewColumn[] = [date, ip!, method!, pathColumn!, status!, size!, referrer!, agent!];
	// A narrow terminal: the whole columns wrap inside a share of the width rather than push the row past the edge.
	const total = columns.reduce((sum, column) => sum + column.width + 1, marker);
	if (total <= width) return columns;
	const scale = (width - marker - columns.length) / (total - marker - columns.length);
	return columns.map(column => ({...column, width: Math.max(3, Math.floor(column.width * scale))}));
}

export interface FormatPreviewProps {
	readonly parser: LineParser | null;
	readonly lines: readonly string[];
	/** What the import makes of each line (same order as `lines`). */
	readonly verdicts: readonly LineVerdict[];
	/** 1-based number of lines[0] in the file. */
	readonly firstLineNumber: number;
	readonly width: number;
}

function Cell({width, text, whole, bold = false}: {readonly width: number; readonly text: string; readonly whole: boolean; readonly bold?: boolean}) {
	return (
		<Box width={width} flexShrink={0} marginRight={1}>
			<Text bold={bold} wrap={whole ? 'wrap' : 'truncate-end'}>
				{text === '' ? ' ' : printable(text)}
			</Text>
		</Box>
	);
}

function parse(parser: LineParser | null, line: string): Fields | null {
	try {
		return parser?.parse(line) ?? null;
	} catch {
		return null;
	}
}

export function FormatPreview({parser, lines, verdicts, firstLineNumber, width}: FormatPreviewProps) {
	const theme = useTheme();
	const parsed = lines.map(line => parse(parser, line));
	const columns = previewColumns(
		width,
		parsed.filter((fields): fields is Fields => fields !== null),
	);
	return (
		<Box flexDirection="column">
			<Box>
				<Box width={marker} flexShrink={0} />
				{columns.map(column => (
					<Cell key={column.title} width={column.width} text={column.title} whole={false} bold />
				))}
			</Box>
			{lines.map((line, index) => {
				const fields = parsed[index];
				const verdict = verdicts[index];
				if (fields === null || fields === undefined || verdict?.kind === 'invalid') {
					const why = verdict?.kind === 'invalid' && verdict.reason !== 'line did not match' ? ` (${verdict.reason})` : '';
					return (
						<Box key={index} width={width}>
							<Text color={theme.error} inverse={!theme.color} wrap="truncate-end">
								{`✗ ${firstLineNumber + index}${why}: ${printable(line) || '(empty line)'}`}
							</Text>
						</Box>
					);
				}

				return (
					<Box key={index}>
						<Box width={marker} flexShrink={0}>
							{verdict?.kind === 'skipped' ? <Text color={theme.muted}>·</Text> : <Text color={theme.ok}>✓</Text>}
						</Box>
						{columns.map(column => (
							<Cell key={column.title} width={column.width} whole={column.whole} text={column.value(fields, verdict) ?? '-'} />
						))}
					</Box>
				);
			})}
		</Box>
	);
}
