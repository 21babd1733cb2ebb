/**
 * The keys of each step of the wizard and of the dashboard, all of them, shown under the screen with F1 (or `?`
 * where `?` is not something to type). The footers name only the main keys, short enough for 60 columns.
 */
import {useEffect, useRef} from 'react';
import {Box, Text, useStdin} from 'ink';
import {useTheme} from './theme.js';

export type HelpContext = 'matomo' | 'files' | 'format' | 'track' | 'review' | 'dashboard';

const keys: Record<HelpContext, ReadonlyArray<readonly [string, string]>> = {
	matomo: [
		['Enter', 'check the address, then the token; on the site list: choose'],
		['Esc', 'from the token back to the address'],
		['↑ ↓', 'move in the list of sites'],
		['← → Home End', 'move in a field (also Ctrl+A, Ctrl+E)'],
		['Backspace, Ctrl+U', 'erase a character, the whole field'],
	],
	files: [
		['Tab', 'complete the path typed'],
		['Enter', 'add the path (a file, a directory or a glob); on an empty field: continue'],
		['↓', 'browse the directory'],
		['↑', 'to the entries chosen: ↑ ↓ pick one, Delete or Backspace removes it, Esc back to the field'],
		['Browser: ↑ ↓ → ←', 'move, open a directory (links too), go up'],
		['Browser: Home End', 'the first entry, the last'],
		['Browser: letters', 'filter the listing (Backspace: a letter less, Esc: all again)'],
		['Browser: Space, Enter', 'tick a file, done'],
		['Esc', 'back to the previous step'],
	],
	format: [
		['Enter', 'use this format'],
		['f', 'choose another format from the list (↑ ↓ Home End, Enter; the preview follows; letters filter it)'],
		['r', 'a custom regular expression (Tab switches to the date format)'],
		['← →', 'the sample of another file'],
		['Esc', 'back (from the list or the regex: cancel)'],
	],
	track: [
		['↑ ↓', 'move between the choices'],
		['Space', 'turn a choice on or off'],
		['letters', 'type in a field (patterns: comma-separated)'],
		['Enter', 'continue to the review'],
		['Esc', 'back to the previous step'],
	],
	review: [
		['Enter', 'start the import'],
		['s', 'save the command as a script for cron'],
		['c', 'copy the command (terminals with OSC 52)'],
		['r', 'when files were imported before: import them again, or resume'],
		['Esc', 'back to the previous step'],
	],
	dashboard: [
		['p', 'pause reading, or resume (requests in flight finish)'],
		['+ -', 'more or fewer requests at a time, within the lanes of this run'],
		['e', 'print more error samples above'],
		['q', 'stop: finish the requests in flight, save where it is'],
		['Ctrl+C', 'the same; a second time: stop at once'],
	],
};

const everywhere: ReadonlyArray<readonly [string, string]> = [
	['F1 (or ?)', 'this help, again to hide it'],
	['Ctrl+C', 'leave (in the wizard: at once, nothing was started)'],
];

export function helpKeys(context: HelpContext): ReadonlyArray<readonly [string, string]> {
	return context === 'dashboard' ? [...keys.dashboard, everywhere[0]!] : [...keys[context], ...everywhere];
}

export function HelpScreen({context, width}: {readonly context: HelpContext; readonly width: number}) {
	const theme = useTheme();
	const rows = helpKeys(context);
	const keyWidth = Math.min(24, Math.max(...rows.map(([key]) => key.length)) + 2);
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.muted} paddingX={1} width={Math.min(width, 100)}>
			<Text bold>Keys</Text>
			{rows.map(([key, what]) => (
				<Box key={key}>
					<Box width={keyWidth} flexShrink={0}>
						<Text color={theme.accent}>{key}</Text>
					</Box>
					<Text wrap="wrap">{what}</Text>
				</Box>
			))}
		</Box>
	);
}

const f1 = new Set(['\u001BOP', '\u001B[11~', '\u001B[[A']);

/**
 * F1 (in its several encodings), and `?` when `questionMark` (where `?` is not typed into a field), call `onHelp`.
 * Read from Ink's raw input: Ink's key parsing has no name for F1.
 */
export function useHelpKey(onHelp: () => void, questionMark: boolean): void {
	const {internal_eventEmitter: emitter, isRawModeSupported} = useStdin();
	const latest = useRef({onHelp, questionMark});
	latest.current = {onHelp, questionMark};
	useEffect(() => {
		if (!emitter || !isRawModeSupported) return;
		const onInput = (input: string) => {
			if (f1.has(input) || (latest.current.questionMark && input === '?')) latest.current.onHelp();
		};

		emitter.on('input', onInput);
		return () => {
			emitter.off('input', onInput);
		};
	}, [emitter, isRawModeSupported]);
}
