/** Helpers for the Ink component tests: read the screen, wait for it, type keys. */
import assert from 'node:assert/strict';
import {stripVTControlCharacters} from 'node:util';
import type {render} from 'ink-testing-library';

export type Instance = ReturnType<typeof render>;

/** The last frame with something on it (with CI set, Ink ends with a blank frame when the app exits). */
export function screen(instance: Instance): string {
	return stripVTControlCharacters(instance.frames.findLast(frame => frame.trim() !== '') ?? '');
}

export function allFrames(instance: Instance): string {
	return stripVTControlCharacters(instance.frames.join('\n'));
}

/** Poll the screen until `check` holds (no fixed sleeps: the Matomo answers take what they take). */
export async function until(instance: Instance, check: (text: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const text = screen(instance);
		if (check(text)) return text;
		if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; the screen:\n${text}`);
		await new Promise(resolve => setTimeout(resolve, 15));
	}
}

export const shows = (instance: Instance, text: string | RegExp, timeoutMs?: number) =>
	until(instance, screenText => (typeof text === 'string' ? screenText.includes(text) : text.test(screenText)), `"${String(text)}"`, timeoutMs);

/** Keys one at a time, each after React had a turn (a key handler re-subscribes after every render). */
export async function press(instance: Instance, ...inputs: string[]): Promise<void> {
	for (const input of inputs) {
		await new Promise(resolve => setTimeout(resolve, 10));
		instance.stdin.write(input);
	}

	await new Promise(resolve => setTimeout(resolve, 10));
}

/** A promise for the next call of a callback, and the callback. */
export function nextCall<T extends unknown[]>(): {promise: Promise<T>; callback: (...args: T) => void} {
	let resolve!: (args: T) => void;
	const promise = new Promise<T>(r => {
		resolve = r;
	});
	return {promise, callback: (...args: T) => resolve(args)};
}
