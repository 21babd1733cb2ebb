/**
 * `useInput`, but only where keys can be read (Ink's `useInput` turns raw mode on, which throws on a stdin that is
 * not a terminal: a component must never be the thing that breaks a pipe), and with keys that arrive glued together
 * taken apart.
 *
 * A paste, a busy machine or a terminal multiplexer can deliver several keys in one read (`Space Enter`: " \r").
 * Ink hands such a chunk over as one input, which no handler recognises: the keys were lost. Here a chunk with
 * control characters in it is split into its keys (printable runs kept together), and each is emitted again on its
 * own turn of the event loop, after React rendered what the previous one changed, so the second key sees the state
 * the first one made (and reaches the next step's handlers when the first one moved on).
 */
import {useCallback, useRef} from 'react';
import type {EventEmitter} from 'node:events';
import {useInput, useStdin, type Key} from 'ink';

export type {Key};

const ESC = '\u001B';

/** The keys of a glued chunk, in order; undefined when it is one key (or text with no key in it). */
export function splitGluedKeys(input: string): string[] | undefined {
	if (input.length < 2 || input.includes(ESC)) return undefined;
	// eslint-disable-next-line no-control-regex
	if (!/[\u0000-\u001F\u007F]/.test(input)) return undefined;
	const keys: string[] = [];
	let run = '';
	for (const char of input) {
		if (char >= ' ' && char !== '\u007F') {
			run += char;
			continue;
		}

		if (run !== '') keys.push(run);
		run = '';
		keys.push(char);
	}

	if (run !== '') keys.push(run);
	return keys;
}

interface Replay {
	queue: string[];
	busy: boolean;
}

const replays = new WeakMap<EventEmitter, Replay>();

/** Once per Ink instance: glued chunks are emitted again, a key at a time, each on its own turn. */
function installSplitter(emitter: EventEmitter): void {
	if (replays.has(emitter)) return;
	const replay: Replay = {queue: [], busy: false};
	replays.set(emitter, replay);
	const next = () => {
		const key = replay.queue.shift();
		if (key === undefined) {
			replay.busy = false;
			return;
		}

		emitter.emit('input', key);
		// After React's own work queued by this key (a render, effects that subscribe the next step's handlers).
		setImmediate(next);
	};

	emitter.on('input', (input: string) => {
		const keys = splitGluedKeys(input);
		if (!keys) return;
		replay.queue.push(...keys);
		if (!replay.busy) {
			replay.busy = true;
			setImmediate(next);
		}
	});
}

export function useKeys(handler: (input: string, key: Key) => void, isActive = true): void {
	const {isRawModeSupported, internal_eventEmitter: emitter} = useStdin();
	const active = isActive && isRawModeSupported;
	if (active && emitter) installSplitter(emitter);
	// The handler of the latest render: a key replayed right after another sees the state that one made.
	const latest = useRef(handler);
	latest.current = handler;
	const stable = useCallback((input: string, key: Key) => {
		// A glued chunk comes again key by key.
		if (splitGluedKeys(input)) return;
		latest.current(input, key);
	}, []);
	useInput(stable, {isActive: active});
}

/** Ctrl+C arrives as input in raw mode (we render with exitOnCtrlC: false and decide ourselves). */
export function isCtrlC(input: string, key: Key): boolean {
	return (key.ctrl && input === 'c') || input === '\u0003';
}
