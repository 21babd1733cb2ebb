/** Tab completion of a typed path, like a shell: the common prefix, or the candidates when it is ambiguous. */
import {statSync, type Dirent} from 'node:fs';
import {readdir} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface Completion {
	/** The text with what could be completed. */
	readonly value: string;
	/** Names that still match when the completion is ambiguous (directories end with `/`). */
	readonly candidates: string[];
}

function commonPrefix(names: readonly string[]): string {
	let prefix = names[0] ?? '';
	for (const name of names) {
		while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
	}

	return prefix;
}

export async function completePath(typed: string, cwd: string): Promise<Completion> {
	const expanded = typed === '~' ? '~/' : typed;
	const slash = expanded.lastIndexOf('/');
	const dirPart = slash === -1 ? '' : expanded.slice(0, slash + 1);
	const base = expanded.slice(slash + 1);
	const home = os.homedir();
	const dirOnDisk = dirPart.startsWith('~/') ? path.join(home, dirPart.slice(2)) : path.resolve(cwd, dirPart === '' ? '.' : dirPart);
	let entries: Dirent[];
	try {
		entries = await readdir(dirOnDisk, {withFileTypes: true});
	} catch {
		return {value: typed, candidates: []};
	}

	const names = entries
		.filter(entry => entry.name.startsWith(base) && (base.startsWith('.') || !entry.name.startsWith('.')))
		.map(entry => (entry.isDirectory() || (entry.isSymbolicLink() && isDirectorySync(path.join(dirOnDisk, entry.name))) ? `${entry.name}/` : entry.name))
		.sort();
	if (names.length === 0) return {value: typed, candidates: []};
	if (names.length === 1) return {value: dirPart + names[0], candidates: []};
	const prefix = commonPrefix(names);
	return {value: dirPart + (prefix.length > base.length ? prefix : base), candidates: names};
}

function isDirectorySync(file: string): boolean {
	try {
		return statSync(file).isDirectory();
	} catch {
		return false;
	}
}
