/**
 * Browse directories with the arrow keys and tick several log files (size, date and compression shown).
 * →/Enter opens a directory, ←/Backspace goes up, Space ticks a file, Enter on a file confirms the selection.
 */
import {useEffect, useRef, useState} from 'react';
import {readdir} from 'node:fs/promises';
import path from 'node:path';
import {Box, Text} from 'ink';
import {useKeys} from './use-keys.js';
import {useTheme} from './theme.js';
import {fileInfo, type FileInfo} from './file-info.js';
import {formatBytes, formatDate} from './units.js';

export interface FileBrowserProps {
	readonly initialDir: string;
	readonly selected: ReadonlySet<string>;
	readonly onToggle: (info: FileInfo) => void;
	/** Enter on a file: done; `info` is that file (selected if nothing else is). */
	readonly onConfirm: (info: FileInfo) => void;
	/** Back to typing a path. */
	readonly onLeave: () => void;
	readonly width: number;
	readonly rows?: number;
}

interface Entry {
	readonly name: string;
	readonly path: string;
	readonly kind: 'parent' | 'dir' | 'file';
	readonly info?: FileInfo;
}

/** Listing more than this many files would make the browser slow on /var/log-like directories. */
const maxFiles = 500;

async function list(dir: string): Promise<{entries: Entry[]; error?: string}> {
	const parent: Entry = {name: '..', path: path.dirname(dir), kind: 'parent'};
	let dirents;
	try {
		dirents = await readdir(dir, {withFileTypes: true});
	} catch (error) {
		return {entries: [parent], error: (error as NodeJS.ErrnoException).code ?? String(error)};
	}

	const visible = dirents.filter(dirent => !dirent.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
	const dirs: Entry[] = [];
	const files: Entry[] = [];
	await Promise.all(visible.map(async dirent => {
		const full = path.join(dir, dirent.name);
		if (dirent.isDirectory()) {
			dirs.push({name: `${dirent.name}/`, path: full, kind: 'dir'});
			return;
		}

		if (files.length >= maxFiles) return;
		try {
			const info = await fileInfo(full);
			files.push({name: dirent.name, path: full, kind: 'file', info});
		} catch {
			// A dangling link, a file without read permission: nothing to import from it.
		}
	}));
	const byName = (a: Entry, b: Entry) => a.name.localeCompare(b.name);
	return {entries: [parent, ...dirs.sort(byName), ...files.sort(byName)]};
}

export function FileBrowser({initialDir, selected, onToggle, onConfirm, onLeave, width, rows = 12}: FileBrowserProps) {
	const theme = useTheme();
	const [dir, setDir] = useState(initialDir);
	const [listing, setListing] = useState<{dir: string; entries: Entry[]; error?: string} | undefined>();
	const [cursor, setCursor] = useState(0);
	const cursorRef = useRef(0);
	const cameFrom = useRef<string | undefined>(undefined);

	useEffect(() => {
		let cancelled = false;
		void list(dir).then(result => {
			if (cancelled) return;
			setListing({dir, ...result});
			// Going up lands on the directory we came from, as file managers do.
			const back = result.entries.findIndex(entry => entry.path === cameFrom.current);
			cursorRef.current = back > 0 ? back : result.entries.length > 1 ? 1 : 0;
			setCursor(cursorRef.current);
		});
		return () => {
			cancelled = true;
		};
	}, [dir]);

	const entries = listing?.dir === dir ? listing.entries : [];
	const move = (to: number) => {
		cursorRef.current = Math.max(0, Math.min(entries.length - 1, to));
		setCursor(cursorRef.current);
	};

	const open = (entry: Entry) => {
		cameFrom.current = entry.kind === 'parent' ? dir : undefined;
		setDir(entry.path);
	};

	useKeys((input, key) => {
		if (key.tab || key.escape) return onLeave();
		const entry = entries[cursorRef.current];
		if (key.upArrow) return move(cursorRef.current - 1);
		if (key.downArrow) return move(cursorRef.current + 1);
		if (key.pageUp) return move(cursorRef.current - rows);
		if (key.pageDown) return move(cursorRef.current + rows);
		if (key.leftArrow || key.backspace || key.delete) return open(entries[0] ?? {name: '..', path: path.dirname(dir), kind: 'parent'});
		if (!entry) return;
		if (key.rightArrow && entry.kind !== 'file') return open(entry);
		if (input === ' ' && entry.info) {
			onToggle(entry.info);
			return move(cursorRef.current + 1);
		}

		if (key.return) {
			if (entry.kind === 'file' && entry.info) onConfirm(entry.info);
			else open(entry);
		}
	});

	const nameWidth = Math.max(12, width - 4 - 9 - 17 - 7 - 3);
	const first = Math.max(0, Math.min(cursor - Math.floor(rows / 2), entries.length - rows));
	const shown = entries.slice(first, first + rows);
	return (
		<Box flexDirection="column">
			<Text bold>{dir}</Text>
			{listing === undefined || listing.dir !== dir ? <Text dimColor>reading…</Text> : null}
			{listing?.error ? <Text color={theme.error}>cannot read this directory: {listing.error}</Text> : null}
			{first > 0 ? <Text dimColor>  ↑ {first} more</Text> : null}
			{shown.map((entry, offset) => {
				const here = first + offset === cursor;
				const ticked = selected.has(entry.path);
				return (
					<Box key={entry.path + entry.name}>
						<Text color={here ? theme.accent : undefined} bold={here}>
							{here ? '❯' : ' '}
							{entry.kind === 'file' ? (ticked ? '[x] ' : '[ ] ') : '    '}
						</Text>
						<Box width={nameWidth} flexShrink={0}>
							<Text bold={entry.kind !== 'file'} wrap="truncate-middle">{entry.name}</Text>
						</Box>
						{entry.info ? (
							<Text dimColor={!here}>
								{formatBytes(entry.info.size).padStart(9)}  {formatDate(entry.info.modified)}  {entry.info.compression === 'none' ? 'plain' : entry.info.compression}
							</Text>
						) : null}
					</Box>
				);
			})}
			{first + rows < entries.length ? <Text dimColor>  ↓ {entries.length - first - rows} more</Text> : null}
			<Text dimColor>↑↓ move · → open · ← up · Space tick · Enter on a file: done · Tab type a path</Text>
		</Box>
	);
}
