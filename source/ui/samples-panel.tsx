/**
 * Error samples: invalid lines (file:line, why, the line cut to the width), Matomo errors and retries, notices.
 * Printed with <Static>, so they scroll above the live panels like a log and stay in the terminal afterwards; the
 * summary at the end goes through the same log (Ink has one <Static> per app).
 *
 * Only a few are printed, so a file full of junk does not flood the screen; `e` raises the limit. The run keeps the
 * last 50 of each in ring buffers: what `e` prints is the most recent of what is still there.
 */
import type {ReactNode} from 'react';
import {Box, Static, Text} from 'ink';
import type {LineSample, MatomoErrorSample, RunState} from '../run/run-state.js';
import {useTheme} from './theme.js';
import {formatCount, printable, truncate} from './units.js';

export type LogItem =
	| {readonly kind: 'invalid'; readonly key: string; readonly sample: LineSample}
	| {readonly kind: 'matomo'; readonly key: string; readonly sample: MatomoErrorSample}
	| {readonly kind: 'notice'; readonly key: string; readonly text: string}
	/** Anything else printed once (the summary). */
	| {readonly kind: 'block'; readonly key: string; readonly node: ReactNode};

const invalidKey = (sample: LineSample) => `i:${sample.at}:${sample.input}:${sample.lineNumber}`;
const matomoKey = (sample: MatomoErrorSample) => `m:${sample.at}:${sample.status}:${sample.attempt}:${sample.message}`;

/** Which samples of the successive snapshots are new, and which of them may be printed. */
export class SampleFeed {
	private readonly seen = new Set<string>();
	private printedInvalid = 0;
	private printedErrors = 0;

	constructor(private limit = 5) {}

	/** `e`: room for more. */
	raise(by: number): void {
		this.limit += by;
	}

	/** New items of this snapshot, in arrival order; when more arrived than may be printed, the most recent. */
	take(state: RunState): LogItem[] {
		const fresh: LogItem[] = [];
		for (const text of state.notices) {
			const key = `n:${text}`;
			if (this.seen.has(key)) continue;
			this.seen.add(key);
			fresh.push({kind: 'notice', key, text});
		}

		const invalid = state.invalidSamples.filter(sample => !this.seen.has(invalidKey(sample)));
		for (const sample of invalid.slice(Math.max(0, invalid.length - Math.max(0, this.limit - this.printedInvalid)))) {
			this.seen.add(invalidKey(sample));
			this.printedInvalid++;
			fresh.push({kind: 'invalid', key: invalidKey(sample), sample});
		}

		const errors = state.matomoErrors.filter(sample => !this.seen.has(matomoKey(sample)));
		for (const sample of errors.slice(Math.max(0, errors.length - Math.max(0, this.limit - this.printedErrors)))) {
			this.seen.add(matomoKey(sample));
			this.printedErrors++;
			fresh.push({kind: 'matomo', key: matomoKey(sample), sample});
		}

		return fresh;
	}

	/** What was not printed: invalid lines (all of them, not only those still in the ring) and Matomo errors. */
	hidden(state: RunState): {invalid: number; errors: number} {
		return {
			invalid: Math.max(0, state.counters.skipped.invalid - this.printedInvalid),
			errors: state.matomoErrors.filter(sample => !this.seen.has(matomoKey(sample))).length,
		};
	}
}

export function SampleLine({item, width}: {readonly item: LogItem; readonly width: number}) {
	const theme = useTheme();
	switch (item.kind) {
		case 'invalid': {
			const {sample} = item;
			const head = `✗ ${truncate(`${sample.input}:${sample.lineNumber}`, 40, true)} ${sample.reason}: `;
			return (
				<Text>
					<Text color={theme.warn}>{head}</Text>
					<Text dimColor>{truncate(printable(sample.line), Math.max(10, width - [...head].length))}</Text>
				</Text>
			);
		}

		case 'matomo': {
			const {sample} = item;
			const status = sample.status === null ? 'network error' : `HTTP ${sample.status}`;
			const of = sample.maxAttempts ? ` of ${sample.maxAttempts}` : '';
			const head = `⚠ Matomo ${status}, attempt ${sample.attempt}${of}${sample.willRetry ? ', will retry' : ', gave up'}: `;
			// The whole message, wrapped: the end of an error is often the part that says what to do.
			return (
				<Text wrap="wrap">
					<Text color={sample.willRetry ? theme.warn : theme.error}>{head}</Text>
					<Text>{printable(sample.message)}</Text>
				</Text>
			);
		}

		case 'notice':
			return (
				<Text color={theme.warn} wrap="wrap">
					! {item.text}
				</Text>
			);
		case 'block':
			return <>{item.node}</>;
	}
}

/** The one <Static> of the app: everything printed once, above the live area. */
export function SamplesPanel({items, width}: {readonly items: readonly LogItem[]; readonly width: number}) {
	return (
		<Static items={[...items]}>
			{item => (
				<Box key={item.key} width={width}>
					<SampleLine item={item} width={width} />
				</Box>
			)}
		</Static>
	);
}

/** The live line under the panels: what was not printed, and the key that prints more. */
export function HiddenSamples({hidden}: {readonly hidden: {invalid: number; errors: number}}) {
	const theme = useTheme();
	if (hidden.invalid === 0 && hidden.errors === 0) return null;
	const parts = [
		hidden.invalid > 0 ? `${formatCount(hidden.invalid)} more invalid lines` : '',
		hidden.errors > 0 ? `${formatCount(hidden.errors)} more Matomo ${hidden.errors === 1 ? 'error' : 'errors'}` : '',
	].filter(part => part !== '');
	return (
		<Text color={theme.warn} wrap="truncate-end">
			{parts.join(', ')} not shown (e: show more)
		</Text>
	);
}
