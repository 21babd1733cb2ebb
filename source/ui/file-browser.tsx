/**
 * Browse directories with the arrow keys and tick several log files (size, date and compression shown).
 * →/Enter opens a directory, ←/Backspace goes up, Space ticks a file, Enter on a file confirms the selection.
 * Home/End jump to the ends; letters typed filter the listing (a /tmp with hundreds of entries). Links to
 * directories are listed with the directories and opened like them.
 */
import {useEffect, useRef, useState} from 'react';
import type {Dirent} from 'node:fs';
import {readdir, stat} from 'node:fs/promises';
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
	/** A symbolic link (to a directory, or to a file). */
	readonly link?: boolean;
}

/** Listing more than this many files would make the browser slow on /var/log-like directories. */
const maxFiles = 500;

async function list(dir: string): Promise<{entries: Entry[]; error?: string}> {
	const parent: Entry = {name: '..', path: path.dirname(dir), kind: 'parent'};
	let dirents: Dirent[];
	try {
		dirents = await readdir(dir, {withFileTypes: true});
	} catch (error) {
		return {entries: [parent], error: (error as NodeJS.ErrnoException).code ?? String(error)};
	}

	const visible = dirents.filter(dirent => !dirent.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
	const dirs: Entry[] = [];
	const files: Entry[] = [];
	await Promise.all(
		visible.map(async dirent => {
			const full = path.join(dir, dirent.name);
			const link = dirent.isSymbolicLink();
			// A link to a directory is a directory to browse (/var/log → /data/log is common).
			const isDirectory =
				dirent.isDirectory() ||
				(link &&
					(await stat(full).then(
						target => target.isDirectory(),
						() => false,
					)));
			if (isDirectory) {
				dirs.push({name: `${dirent.name}/`, path: full, kind: 'dir', link});
				return;
			}

			if (files.length >= maxFiles) return;
			try {
				const info = await fileInfo(full);
				files.push({name: dirent.name, path: full, kind: 'file', info, link});
			} catch {
				// A dangling link, a file without read permission: nothing to import from it.
			}
		}),
	);
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
	const [filter, setFilter] = useState('');

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

	const listed = listing?.dir === dir ? listing.entries : [];
	const needle = filter.toLowerCase();
	// '..' stays: the way up is always there.
	const entries = needle === '' ? listed : listed.filter(entry => entry.kind === 'parent' || entry.name.toLowerCase().includes(needle));
	const refilter = (next: string) => {
		setFilter(next);
		const lower = next.toLowerCase();
		const kept = next === '' ? listed : listed.filter(entry => entry.kind === 'parent' || entry.name.toLowerCase().includes(lower));
		// The cursor on the first match (or where it was, on the whole listing).
		const current = entries[cursorRef.current];
		const at = current === undefined ? -1 : kept.indexOf(current);
		cursorRef.current = next !== '' && kept.length > 1 ? 1 : Math.max(0, at);
		setCursor(cursorRef.current);
	};

	const move = (to: number) => {
		cursorRef.current = Math.max(0, Math.min(entries.length - 1, to));
		setCursor(cursorRef.current);
	};

	const open = (entry: Entry) => {
		cameFrom.current = entry.kind === 'parent' ? dir : undefined;
		setFilter('');
		setDir(entry.path);
	};

	useKeys((input, key) => {
		if (key.escape && filter !== '') return refilter('');
		if (key.tab || key.escape) return onLeave();
		const entry = entries[cursorRef.current];
		if (key.upArrow) return move(cursorRef.current - 1);
		if (key.downArrow) return move(cursorRef.current + 1);
		if (key.pageUp) return move(cursorRef.current - rows);
		if (key.pageDown) return move(cursorRef.current + rows);
		if (key.home) return move(0);
		if (key.end) return move(entries.length - 1);
		if ((key.backspace || key.delete) && filter !== '') return refilter(filter.slice(0, -1));
		if (key.leftArrow || key.backspace || key.delete) return open(entries[0] ?? {name: '..', path: path.dirname(dir), kind: 'parent'});
		// Letters, digits, dots…: the filter (Space ticks, so it is not part of a filter).
		if (!key.ctrl && !key.meta && !key.return && input !== ' ' && input.length > 0 && !/[\u0000-\u001F\u007F]/.test(input)) return refilter(filter + input);
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
			<Text>
				<Text bold>{dir}</Text>
				{filter === '' ? null : <Text color={theme.accent}>{`  filter "${filter}": ${entries.length - 1} of ${listed.length - 1}`}</Text>}
			</Text>
			{listing === undefined || listing.dir !== dir ? <Text dimColor>reading…</Text> : null}
			{listing?.error ? <Text color={theme.error}>cannot read this directory: {listing.error}</Text> : null}
			{first > 0 ? <Text dimColor> ↑ {first} more</Text> : null}
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
							<Text bold={entry.kind !== 'file'} wrap="truncate-middle">
								{entry.link ? `${entry.name} ↪` : entry.name}
							</Text>
						</Box>
						{entry.info ? (
							<Text dimColor={!here}>
								{formatBytes(entry.info.size).padStart(9)} {formatDate(entry.info.modified)}{' '}
								{entry.info.compression === 'none' ? 'plain' : entry.info.compression}
							</Text>
						) : null}
					</Box>
				);
			})}
			{first + rows < entries.length ? <Text dimColor> ↓ {entries.length - first - rows} more</Text> : null}
			<Text dimColor>↑↓ Home End move · type to filter · → open · ← up · Space tick · Enter on a file: done · Tab type a path</Text>
		</Box>
	);
}
