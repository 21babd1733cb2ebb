/**
 * A list to pick one item from with ↑/↓ (PgUp/PgDn, Home/End) and Enter. Long lists scroll around the cursor.
 */
import {useEffect, useRef, useState, type ReactNode} from 'react';
import {Box, Text} from 'ink';
import {useKeys} from './use-keys.js';
import {useTheme} from './theme.js';

export interface SelectItem<V> {
	readonly key: string;
	readonly label: string;
	readonly value: V;
	/** Dimmed text after the label. */
	readonly hint?: string;
}

export interface SelectListProps<V> {
	readonly items: ReadonlyArray<SelectItem<V>>;
	readonly onSelect: (item: SelectItem<V>) => void;
	readonly onHighlight?: (item: SelectItem<V>) => void;
	readonly initialKey?: string;
	readonly isFocused?: boolean;
	/** Rows shown at most. */
	readonly limit?: number;
	readonly width?: number;
}

export function SelectList<V>({items, onSelect, onHighlight, initialKey, isFocused = true, limit = 10, width = 76}: SelectListProps<V>) {
	const theme = useTheme();
	const initial = Math.max(
		0,
		items.findIndex(item => item.key === initialKey),
	);
	const [index, setIndex] = useState(initial);
	const indexRef = useRef(index);
	indexRef.current = Math.min(indexRef.current, Math.max(0, items.length - 1));

	const highlighted = items[indexRef.current];
	useEffect(() => {
		if (highlighted) onHighlight?.(highlighted);
		// Only when the highlighted item changes, not when the callback identity does.
	}, [highlighted?.key]);

	const move = (to: number) => {
		indexRef.current = Math.max(0, Math.min(items.length - 1, to));
		setIndex(indexRef.current);
	};

	useKeys((input, key) => {
		if (items.length === 0) return;
		if (key.upArrow) move(indexRef.current - 1);
		else if (key.downArrow) move(indexRef.current + 1);
		else if (key.pageUp) move(indexRef.current - limit);
		else if (key.pageDown) move(indexRef.current + limit);
		else if (key.home) move(0);
		else if (key.end) move(items.length - 1);
		else if (key.return || input === '\r') onSelect(items[indexRef.current]!);
	}, isFocused);

	const current = Math.min(index, Math.max(0, items.length - 1));
	const first = Math.max(0, Math.min(current - Math.floor(limit / 2), items.length - limit));
	const shown = items.slice(first, first + limit);
	const rows: ReactNode[] = shown.map((item, offset) => {
		const selected = first + offset === current;
		return (
			<Box key={item.key} width={width}>
				<Text color={selected && isFocused ? theme.accent : undefined} bold={selected} wrap="truncate-end">
					{selected ? '❯ ' : '  '}
					{item.label}
					{item.hint === undefined ? '' : <Text dimColor>{`  ${item.hint}`}</Text>}
				</Text>
			</Box>
		);
	});
	return (
		<Box flexDirection="column">
			{first > 0 ? <Text dimColor>{`  ↑ ${first} more`}</Text> : null}
			{rows}
			{first + limit < items.length ? <Text dimColor>{`  ↓ ${items.length - first - limit} more`}</Text> : null}
		</Box>
	);
}
