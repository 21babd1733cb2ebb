/**
 * Step 2, log files: type a path or a glob (Tab completes, like a shell), or browse directories and tick files.
 * A glob is kept as a glob: the cron line then picks up tomorrow's files too.
 */
import {useEffect, useRef, useState} from 'react';
import {stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {Box, Text} from 'ink';
import {TextField} from './text-field.js';
import {FileBrowser} from './file-browser.js';
import {useKeys} from './use-keys.js';
import {useTheme} from './theme.js';
import {completePath} from './path-completion.js';
import {describeFiles, type FileInfo} from './file-info.js';
import {formatBytes, formatDate} from './units.js';

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

	const setAll = (next: Chosen[]) => {
		chosenRef.current = next;
		setChosen(next);
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
			else if (auto && next.length > 0) onDone(next.map(item => item.arg), next.flatMap(item => item.infos));
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

		onDone(list.map(item => item.arg), list.flatMap(item => item.infos));
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
			setAll([...chosenRef.current, {arg: target, infos: described.infos}]);
			setMessage(globCharacters.test(typed) ? {error: false, text: `${typed}: ${described.infos.length} files match now (the glob is kept for the next runs)`} : undefined);
		}

		setText('');
		setCandidates([]);
	};

	const toggle = (info: FileInfo) => {
		const list = chosenRef.current;
		const present = list.some(item => item.arg === info.path);
		setAll(present ? list.filter(item => item.arg !== info.path) : [...list, {arg: info.path, infos: [info]}]);
	};

	useKeys((_input, key) => {
		if (key.escape) return onBack();
		if (key.downArrow) {
			setMode('browse');
			return;
		}

		// Backspace in an empty field takes back the last file.
		if ((key.backspace || key.delete) && text === '' && chosenRef.current.length > 0) setAll(chosenRef.current.slice(0, -1));
	}, mode === 'type' && !loading);

	const selected = new Set(chosen.map(item => item.arg));
	const totalSize = chosen.flatMap(item => item.infos).reduce((sum, info) => sum + info.size, 0);
	// The browser and the list of chosen files share the screen: in a short terminal, fewer of each.
	const shownChosen = chosen.slice(mode === 'browse' && rows < 30 ? -2 : -6);
	return (
		<Box flexDirection="column">
			{loading ? <Text dimColor>Looking at the files…</Text> : null}
			{mode === 'type' ? (
				<Box flexDirection="column">
					<Text>A log file, a directory or a glob like /var/log/nginx/access.log* (gzip and bzip2 are read too):</Text>
					<TextField
						label="Path"
						value={text}
						isFocused={!loading}
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
					{candidates.length > 0 ? <Text dimColor wrap="truncate-end">{candidates.slice(0, 12).join('  ')}{candidates.length > 12 ? `  … ${candidates.length - 12} more` : ''}</Text> : null}
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
			{message ? <Text color={message.error ? theme.error : theme.muted}>{message.error ? '✗ ' : ''}{message.text}</Text> : null}
			<Box flexDirection="column" marginTop={1}>
				<Text bold>
					{chosen.length === 0 ? 'No file chosen yet' : `Chosen: ${chosen.length} ${chosen.length === 1 ? 'entry' : 'entries'}, ${formatBytes(totalSize)}`}
				</Text>
				{chosen.length > shownChosen.length ? <Text dimColor>  … {chosen.length - shownChosen.length} more</Text> : null}
				{shownChosen.map(item => (
					<ChosenLine key={item.arg} item={item} width={width} />
				))}
			</Box>
			{mode === 'type' ? <Text dimColor>Tab complete · Enter add · ↓ browse · Backspace on empty: remove last · Enter on empty: continue · Esc back</Text> : null}
		</Box>
	);
}

function ChosenLine({item, width}: {readonly item: Chosen; readonly width: number}) {
	const info = item.infos.length === 1 && item.infos[0]!.path === item.arg ? item.infos[0] : undefined;
	const details = info
		? `${formatBytes(info.size).padStart(9)}  ${formatDate(info.modified)}  ${info.compression === 'none' ? 'plain' : info.compression}`
		: `${String(item.infos.length).padStart(4)} files ${formatBytes(item.infos.reduce((sum, x) => sum + x.size, 0)).padStart(9)}`;
	return (
		<Box>
			<Box width={Math.max(10, width - details.length - 3)} flexShrink={0}>
				<Text wrap="truncate-start">  {item.arg}</Text>
			</Box>
			<Text dimColor> {details}</Text>
		</Box>
	);
}
