/**
 * `useInput`, but only where keys can be read: Ink's `useInput` turns raw mode on, which throws on a stdin that is
 * not a terminal. The UI only runs in terminals, yet a component must never be the thing that breaks a pipe.
 */
import {useInput, useStdin, type Key} from 'ink';

export type {Key};

export function useKeys(handler: (input: string, key: Key) => void, isActive = true): void {
	const {isRawModeSupported} = useStdin();
	useInput(handler, {isActive: isActive && isRawModeSupported});
}

/** Ctrl+C arrives as input in raw mode (we render with exitOnCtrlC: false and decide ourselves). */
export function isCtrlC(input: string, key: Key): boolean {
	return (key.ctrl && input === 'c') || input === '\u0003';
}
