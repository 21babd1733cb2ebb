/**
 * On/off choices, one a line: `[x] --enable-static  Track static files…`. Presentational: the step that shows it
 * owns the cursor (it moves across toggles and text fields alike) and flips items with Space.
 */
import {Box, Text} from 'ink';
import {useTheme} from './theme.js';

export interface ToggleItem {
	readonly key: string;
	readonly label: string;
	readonly checked: boolean;
	readonly hint?: string;
}

export interface ToggleListProps {
	readonly items: readonly ToggleItem[];
	/** Index of the item under the cursor; -1 when the cursor is elsewhere. */
	readonly cursor: number;
	readonly labelWidth?: number;
	readonly width?: number;
}

export function ToggleList({items, cursor, labelWidth = 26, width = 76}: ToggleListProps) {
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			{items.map((item, index) => {
				const focused = index === cursor;
				return (
					<Box key={item.key} width={width}>
						<Box flexShrink={0}>
							<Text color={focused ? theme.accent : undefined} bold={focused}>
								{focused ? '❯ ' : '  '}
								{item.checked ? '[x] ' : '[ ] '}
							</Text>
						</Box>
						<Box width={labelWidth} flexShrink={0}>
							<Text bold={focused} wrap="truncate-end">
								{item.label}
							</Text>
						</Box>
						<Text dimColor wrap="truncate-end">
							{item.hint ?? ''}
						</Text>
					</Box>
				);
			})}
		</Box>
	);
}
