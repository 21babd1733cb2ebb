/**
 * Step 2, log files: type a path or a glob (Tab completes, like a shell), or browse directories and tick files.
 * A glob is kept as a glob: the cron line then picks up tomorrow's files too. ↑ from the field goes to the chosen
 * entries, where any one can be removed. An entry whose files another entry already has is flagged and its files
 * counted once; rotated files are put oldest first.
 */
import {useEffect, useRef, useState} from 'react';
import {stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {Box, Text} from 'ink';
import {TextField} from './text-field.js';
import {FileBrowser} from './file-browser.js';
import {useKeys, type Key} from './use-keys.js';
import {useTheme} from './theme.js';
import {completePath} from './path-completion.js';
import {describeFiles, type FileInfo} from './file-info.js';
import {formatBytes, formatDate} from './units.js';
import {oldestFirst, rotationOf} from '../input/rotation-order.js';

export interface FilesStepProps {
	readonly files: readonly string[];
	readonly cwd: string;
	/** Files given as arguments: check them and go on when they are all readable. */
	readonly auto: boolean;
	readonly width: number;
	/** Terminal rows: the browser gets what the rest leaves. */
	readonly rows: number;
	readonly onDone: (files: string[], infos: FileInfo[]) => void;
	readonly onBack: () => void;
}

interface Chosen {
	/** As it goes into the command: a path or a glob. */
	readonly arg: string;
	readonly infos: FileInfo[];
}

const globCharacters = /[*?[]/;

/** Here stdin is the terminal the wizard reads keys from: a piped log means no terminal, hence no wizard. */
const stdinHere = 'stdin (-) is this terminal here: to import a pipe, run e.g. `zcat access.log.gz | matomo-log-import --yes … -`';

/** For each entry, the earlier entry that already has all its files (a glob and a file it matches). */
function overlaps(chosen: readonly Chosen[]): Map<string, {other: string; shared: number}> {
	const owner = new Map<string, string>();
	const found = new Map<string, {other: string; shared: number}>();
	for (const item of chosen) {
		let shared = 0;
		let other: string | undefined;
		for (const info of item.infos) {
			const first = owner.get(info.path);
			if (first !== undefined && first !== item.arg) {
				shared++;
				other ??= first;
			}
		}

		if (other !== undefined) found.set(item.arg, {other, shared});
		for (const info of item.infos) if (!owner.has(info.path)) owner.set(info.path, item.arg);
	}

	return found;
}

/** Each file once, in the order the entries give them. */
function uniqueInfos(chosen: readonly Chosen[]): FileInfo[] {
	const seen = new Set<string>();
	return chosen.flatMap(item => item.infos).filter(info => !seen.has(info.path) && Boolean(seen.add(info.path)));
}

/** An entry that is one file (not a glob): where rotation can put it. */
function singleFile(item: Chosen): string | undefined {
	return item.infos.length === 1 && item.infos[0]!.path === item.arg ? item.arg : undefined;
}

function absolute(typed: string, cwd: string): string {
	const home = typed === '~' || typed.startsWith('~/') ? path.join(os.homedir(), typed.slice(1)) : typed;
	return path.resolve(cwd, home);
}

export function FilesStep({files, cwd, auto, width, rows, onDone, onBack}: FilesStepProps) {
	const theme = useTheme();
	const [chosen, setChosen] = useState<Chosen[]>([]);
	const chosenRef = useRef<Chosen[]>([]);
	const [text, setText] = useState('');
	const [mode, setMode] = useState<'type' | 'browse'>('type');
	const [browseDir, setBrowseDir] = useState(cwd);
	const [candidates, setCandidates] = useState<string[]>([]);
	const [message, setMessage] = useState<{error: boolean; text: string} | undefined>();
	const [loading, setLoading] = useState(files.length > 0);

	// The chosen entry under the cursor when the list has the focus (↑ from the field).
	const [picked, setPickedState] = useState<number | undefined>();
	const pickedRef = useRef<number | undefined>(undefined);
	const setPicked = (next: number | undefined) => {
		pickedRef.current = next;
		setPickedState(next);
	};

	const setAll = (next: Chosen[]) => {
		chosenRef.current = oldestFirst(next, singleFile);
		setChosen(chosenRef.current);
	};

	// Files from the command line: described (and checked) before anything is asked.
	useEffect(() => {
		if (files.length === 0) return;
		let cancelled = false;
		void (async () => {
			const next: Chosen[] = [];
			const problems: string[] = [];
			for (const arg of files) {
				if (arg === '-') {
					problems.push(stdinHere);
					continue;
				}

				const described = await describeFiles([arg]);
				problems.push(...described.problems);
				if (described.infos.length > 0) next.push({arg, infos: described.infos});
			}

			if (cancelled) return;
			setAll(next);
			setLoading(false);
			if (problems.length > 0) setMessage({error: true, text: problems.join('; ')});
			else if (auto && next.length > 0)
				onDone(
					next.map(item => item.arg),
					uniqueInfos(next),
				);
		})();
		return () => {
			cancelled = true;
		};
		// Once, with the files of the command line.
	}, []);

	const finish = () => {
		const list = chosenRef.current;
		if (list.length === 0) {
			setMessage({error: true, text: 'Choose at least one file.'});
			return;
		}

		onDone(
			list.map(item => item.arg),
			uniqueInfos(list),
		);
	};

	const add = async (typed: string) => {
		if (typed === '-') {
			setMessage({error: true, text: stdinHere});
			return;
		}

		const target = absolute(typed, cwd);
		if (!globCharacters.test(typed)) {
			const info = await stat(target).catch(() => undefined);
			if (info?.isDirectory()) {
				setBrowseDir(target);
				setMode('browse');
				setText('');
				return;
			}
		}

		const described = await describeFiles([target]);
		if (described.infos.length === 0) {
			setMessage({error: true, text: described.problems.join('; ') || `nothing to read in ${typed}`});
			return;
		}

		if (chosenRef.current.some(item => item.arg === target)) {
			setMessage({error: false, text: `${typed} is already chosen.`});
		} else {
			const next = [...chosenRef.current, {arg: target, infos: described.infos}];
			setAll(next);
			const overlap = overlaps(chosenRef.current).get(target);
			setMessage(
				overlap
					? {
							error: true,
							text: `${typed}: ${overlap.shared === described.infos.length ? 'already chosen' : `${overlap.shared} of its files already chosen`} through ${overlap.other} (counted once; ↑ to remove one)`,
						}
					: globCharacters.test(typed)
						? {error: false, text: `${typed}: ${described.infos.length} files match now (the glob is kept for the next runs)`}
						: undefined,
			);
		}

		setText('');
		setCandidates([]);
	};

	const toggle = (info: FileInfo) => {
		const list = chosenRef.current;
		const present = list.some(item => item.arg === info.path);
		setAll(present ? list.filter(item => item.arg !== info.path) : [...list, {arg: info.path, infos: [info]}]);
	};

	useKeys(
		(_input, key) => {
			if (pickedRef.current !== undefined) return pickedKey(key);
			if (key.escape) return onBack();
			if (key.downArrow) {
				setMode('browse');
				return;
			}

			if (key.upArrow && chosenRef.current.length > 0) {
				setPicked(chosenRef.current.length - 1);
				return;
			}

			// Backspace in an empty field removes nothing by itself (a key too many would): it says how.
			if ((key.backspace || key.delete) && text === '' && chosenRef.current.length > 0) {
				setMessage({error: false, text: 'To remove a chosen entry: ↑ to it, then Delete or Backspace.'});
			}
		},
		mode === 'type' && !loading,
	);

	// The chosen entries have the focus: ↑↓ move, Delete/Backspace removes the one under the cursor.
	function pickedKey(key: Key): void {
		const list = chosenRef.current;
		const at = Math.min(pickedRef.current ?? 0, list.length - 1);
		if (key.escape || key.return || key.tab || (key.downArrow && at >= list.length - 1)) return setPicked(undefined);
		if (key.upArrow) return setPicked(Math.max(0, at - 1));
		if (key.downArrow) return setPicked(at + 1);
		if (key.home) return setPicked(0);
		if (key.end) return setPicked(list.length - 1);
		if (key.backspace || key.delete) {
			const removed = list[at];
			if (!removed) return;
			setAll(list.filter(item => item !== removed));
			setMessage({error: false, text: `Removed ${removed.arg}.`});
			setPicked(list.length > 1 ? Math.min(at, list.length - 2) : undefined);
		}
	}

	const selected = new Set(chosen.map(item => item.arg));
	const unique = uniqueInfos(chosen);
	const totalSize = unique.reduce((sum, info) => sum + info.size, 0);
	const overlapping = overlaps(chosen);
	// The browser and the list of chosen files share the screen: in a short terminal, fewer of each.
	const room = mode === 'browse' && rows < 30 ? 2 : 6;
	const firstShown = picked === undefined ? Math.max(0, chosen.length - room) : Math.max(0, Math.min(picked - Math.floor(room / 2), chosen.length - room));
	const shownChosen = chosen.slice(firstShown, firstShown + room);
	// Rotated files among the entries (ticked, or matched by one glob: the import puts those oldest first too): said,
	// since their order is what Matomo needs.
	const chosenFiles = chosen.flatMap(item => item.infos.map(info => info.path));
	const rotated = chosenFiles.some(file => chosenFiles.some(other => other !== file && rotationOf(other).base === rotationOf(file).base));
	return (
		<Box flexDirection="column">
			{loading ? <Text dimColor>Looking at the files…</Text> : null}
			{mode === 'type' ? (
				<Box flexDirection="column">
					<Text>A log file, a directory or a glob like /var/log/nginx/access.log* (gzip and bzip2 are read too):</Text>
					<TextField
						label="Path"
						value={text}
						isFocused={!loading && picked === undefined}
						width={Math.max(20, width - 8)}
						onChange={value => {
							setText(value);
							setCandidates([]);
						}}
						onTab={value => {
							void completePath(value, cwd).then(completion => {
								setText(completion.value);
								setCandidates(completion.candidates);
							});
						}}
						onSubmit={value => {
							if (value.trim() === '') finish();
							else void add(value.trim());
						}}
					/>
					{candidates.length > 0 ? (
						<Text dimColor wrap="truncate-end">
							{candidates.slice(0, 12).join('  ')}
							{candidates.length > 12 ? `  … ${candidates.length - 12} more` : ''}
						</Text>
					) : null}
				</Box>
			) : (
				<FileBrowser
					initialDir={browseDir}
					selected={selected}
					width={width}
					rows={Math.max(4, Math.min(12, rows - 17))}
					onToggle={toggle}
					onConfirm={info => {
						if (chosenRef.current.length === 0) toggle(info);
						finish();
					}}
					onLeave={() => {
						setMode('type');
					}}
				/>
			)}
			{message ? (
				<Text color={message.error ? theme.error : theme.muted}>
					{message.error ? '✗ ' : ''}
					{message.text}
				</Text>
			) : null}
			<Box flexDirection="column" marginTop={1}>
				<Text bold>
					{chosen.length === 0
						? 'No file chosen yet'
						: `Chosen: ${chosen.length} ${chosen.length === 1 ? 'entry' : 'entries'}, ${unique.length} ${unique.length === 1 ? 'file' : 'files'}, ${formatBytes(totalSize)}`}
				</Text>
				{firstShown > 0 ? <Text dimColor> … {firstShown} more above</Text> : null}
				{shownChosen.map((item, offset) => (
					<ChosenLine
						key={item.arg}
						item={item}
						width={width}
						here={picked !== undefined && firstShown + offset === picked}
						overlap={overlapping.get(item.arg)}
					/>
				))}
				{firstShown + shownChosen.length < chosen.length ? <Text dimColor> … {chosen.length - firstShown - shownChosen.length} more below</Text> : null}
				{rotated ? (
					<Text dimColor>Rotated files are imported oldest first (access.log.2.gz, access.log.1, then access.log): Matomo needs the hits in time order.</Text>
				) : null}
			</Box>
			{mode === 'type' && picked !== undefined ? (
				<Text dimColor>↑↓ choose an entry · Delete or Backspace remove it · Esc or Enter back to the field</Text>
			) : null}
			{mode === 'type' && picked === undefined ? (
				<Text dimColor>Tab complete · Enter add · ↓ browse · ↑ the chosen entries (to remove one) · Enter on empty: continue · Esc back</Text>
			) : null}
		</Box>
	);
}

function ChosenLine({
	item,
	width,
	here,
	overlap,
}: {
	readonly item: Chosen;
	readonly width: number;
	readonly here: boolean;
	readonly overlap?: {other: string; shared: number};
}) {
	const theme = useTheme();
	const info = item.infos.length === 1 && item.infos[0]!.path === item.arg ? item.infos[0] : undefined;
	const details = info
		? `${formatBytes(info.size).padStart(9)}  ${formatDate(info.modified)}  ${info.compression === 'none' ? 'plain' : info.compression}`
		: `${String(item.infos.length).padStart(4)} files ${formatBytes(item.infos.reduce((sum, x) => sum + x.size, 0)).padStart(9)}`;
	return (
		<Box flexDirection="column">
			<Box>
				<Box width={Math.max(10, width - details.length - 3)} flexShrink={0}>
					<Text wrap="truncate-start" color={here ? theme.accent : undefined} bold={here}>{`${here ? '❯' : ' '} ${item.arg}`}</Text>
				</Box>
				<Text dimColor> {details}</Text>
			</Box>
			{overlap ? (
				<Text color={theme.warn} wrap="truncate-end">
					{`    ⚠ ${overlap.shared === item.infos.length ? 'already chosen' : `${overlap.shared} of its files already chosen`} through ${overlap.other}: counted once`}
				</Text>
			) : null}
		</Box>
	);
}
