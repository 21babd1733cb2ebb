/**
 * A one-line text field: typing, ←/→, Home/End, Backspace, Ctrl+U; Enter submits, Tab asks for completion.
 * `mask` shows a bullet per character (the token): the value is never drawn, not even for a frame.
 *
 * Keys may arrive glued together (a paste, or a terminal that sends "text⏎" in one read): the chunk is split and each
 * character handled in order, so "abc⏎" types abc and submits "abc".
 */
import {useRef, useState} from 'react';
import {Box, Text} from 'ink';
import {useKeys, type Key} from './use-keys.js';
import {useTheme} from './theme.js';

export interface TextFieldProps {
	readonly value: string;
	readonly onChange: (value: string) => void;
	readonly onSubmit?: (value: string) => void;
	readonly onTab?: (value: string) => void;
	readonly label?: string;
	readonly placeholder?: string;
	readonly mask?: boolean;
	readonly isFocused?: boolean;
	/** Cells for the value; a longer value shows its end around the cursor. */
	readonly width?: number;
}

const bullet = '•';

export function TextField({value, onChange, onSubmit, onTab, label, placeholder, mask = false, isFocused = true, width = 60}: TextFieldProps) {
	const theme = useTheme();
	// The value and cursor as of the last key: several key events can arrive before React renders again.
	const valueRef = useRef(value);
	const cursorRef = useRef(value.length);
	const [, setRendered] = useState(0);
	if (valueRef.current !== value) {
		// Replaced from outside (completion, a reset): the cursor goes to the end.
		valueRef.current = value;
		cursorRef.current = value.length;
	}

	const moveTo = (position: number) => {
		cursorRef.current = Math.max(0, Math.min(valueRef.current.length, position));
		setRendered(n => n + 1);
	};

	const update = (next: string, nextCursor: number) => {
		valueRef.current = next;
		moveTo(nextCursor);
		onChange(next);
	};

	const insert = (text: string) => {
		const v = valueRef.current;
		const c = cursorRef.current;
		update(v.slice(0, c) + text + v.slice(c), c + text.length);
	};

	const backspace = () => {
		const v = valueRef.current;
		const c = cursorRef.current;
		if (c === 0) return;
		update(v.slice(0, c - 1) + v.slice(c), c - 1);
	};

	const handleChar = (char: string) => {
		if (char === '\r' || char === '\n') onSubmit?.(valueRef.current);
		else if (char === '\t') onTab?.(valueRef.current);
		else if (char === '\u007f' || char === '\b') backspace();
		else if (char === '\u0015') update('', 0);
		else if (char >= ' ') insert(char);
	};

	useKeys((input: string, key: Key) => {
		if (key.return) return onSubmit?.(valueRef.current);
		if (key.tab) return onTab?.(valueRef.current);
		// Terminals send DEL (0x7f) for Backspace, which Ink calls `delete`: both erase backwards, as in shells.
		if (key.backspace || key.delete) return backspace();
		if (key.leftArrow) return moveTo(cursorRef.current - 1);
		if (key.rightArrow) return moveTo(cursorRef.current + 1);
		if (key.home || (key.ctrl && input === 'a')) return moveTo(0);
		if (key.end || (key.ctrl && input === 'e')) return moveTo(valueRef.current.length);

		if (key.ctrl && input === 'u') return update('', 0);
		if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.escape || key.pageUp || key.pageDown) return;
		if (input === '') return;
		if (input.length === 1 && input >= ' ' && input !== '\u007f') return insert(input);
		// A glued chunk: keep the printable runs together (fast for pastes), act on the control characters.
		let run = '';
		for (const char of input) {
			if (char >= ' ' && char !== '\u007f') {
				run += char;
				continue;
			}

			if (run !== '') insert(run);
			run = '';
			handleChar(char);
		}

		if (run !== '') insert(run);
	}, isFocused);

	const cursor = cursorRef.current;
	const shown = mask ? bullet.repeat([...value].length) : value;
	const chars = [...shown];
	const room = Math.max(4, width - 1);
	// Scroll so the cursor stays visible (a long path shows its end while typing).
	const start = cursor >= room ? cursor - room + 1 : 0;
	const visible = chars.slice(start, start + room);
	const at = cursor - start;
	const before = visible.slice(0, at).join('');
	const under = visible[at] ?? ' ';
	const after = visible.slice(at + 1).join('');
	return (
		<Box>
			{label === undefined ? null : <Text bold={isFocused}>{label} </Text>}
			{value === '' && placeholder !== undefined && !isFocused ? (
				<Text dimColor>{placeholder}</Text>
			) : value === '' && placeholder !== undefined ? (
				<Text>
					<Text inverse>{[...placeholder][0] ?? ' '}</Text>
					<Text dimColor>{[...placeholder].slice(1).join('')}</Text>
				</Text>
			) : (
				<Text color={isFocused ? undefined : theme.muted}>
					{before}
					{isFocused ? <Text inverse>{under}</Text> : under === ' ' ? '' : under}
					{after}
				</Text>
			)}
		</Box>
	);
}
