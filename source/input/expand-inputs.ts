/**
 * Command-line file arguments → inputs. Like the reference (`sorted(glob.glob(arg))` per argument, `-` for stdin),
 * except that an existing file is taken as is even when its name has glob characters, and an argument that names
 * nothing is reported instead of being dropped silently.
 */
import {accessSync, constants, statSync} from 'node:fs';
import {stat} from 'node:fs/promises';
import {isAbsolute} from 'node:path';
import {glob} from 'tinyglobby';
import {oldestFirst} from './rotation-order.js';
import {describeFsError} from './fs-error.js';
import type {InputSpec} from './types.js';

export interface ExpandedInputs {
	inputs: InputSpec[];
	/** One message per argument (or matched file) that is not imported; the other inputs still are. */
	problems: string[];
	/** Messages that are no failure: a file named twice (or through a link) is imported once. */
	notes: string[];
}

const globCharacters = /[*?[]/;

export async function expandInputs(args: readonly string[]): Promise<ExpandedInputs> {
	const paths: string[] = [];
	const problems: string[] = [];
	for (const arg of args) {
		if (arg === '-') {
			paths.push(arg);
			continue;
		}
		const info = await stat(arg).catch((error: unknown) => error as NodeJS.ErrnoException);
		if (!(info instanceof Error)) {
			const problem = info.isDirectory() ? `${arg}: is a directory` : unreadable(arg);
			if (problem === null) paths.push(arg);
			else problems.push(problem);
			continue;
		}
		if (info.code !== 'ENOENT' && info.code !== 'ENOTDIR') {
			problems.push(`${arg}: ${describeFsError(info)}`);
			continue;
		}
		if (!globCharacters.test(arg)) {
			problems.push(`file not found: ${arg}`);
			continue;
		}
		const matches = await expandPattern(arg);
		if (matches.length === 0) {
			problems.push(`no file matches '${arg}'`);
			continue;
		}
		for (const match of matches) {
			const problem = unreadable(match);
			if (problem === null) paths.push(match);
			else problems.push(problem);
		}
	}
	const notes: string[] = [];
	const pipes = new Set<string>();
	const unique = await withoutDuplicates(paths, notes, pipes);
	const inputs = unique.map((path, id): InputSpec => ({id, path, displayName: path === '-' ? '(stdin)' : path, pipe: path !== '-' && pipes.has(path)}));
	return {inputs, problems, notes};
}

/**
 * The paths without the second naming of a file: an input is what it is (device and inode, through links), not how
 * it was named (twice, by a glob overlapping a name, a symbolic link, `./a` and `a`).
 */
async function withoutDuplicates(paths: readonly string[], notes: string[], pipes: Set<string>): Promise<string[]> {
	const seen = new Map<string, string>();
	const unique: string[] = [];
	for (const path of paths) {
		if (path === '-') {
			unique.push(path);
			continue;
		}
		const info = statSync(path, {bigint: true, throwIfNoEntry: false}) ?? null;
		if (info?.isFIFO() || info?.isSocket()) pipes.add(path);
		const key = info === null ? `path:${path}` : `${info.dev}:${info.ino}`;
		const first = seen.get(key);
		if (first !== undefined) {
			notes.push(first === path ? `${path}: named more than once, imported once` : `${path}: the same file as ${first}, imported once`);
			continue;
		}
		seen.set(key, path);
		unique.push(path);
	}
	return unique;
}

/**
 * The checks of this module are synchronous: a few microseconds per file, where an asynchronous call waits a turn of
 * the thread pool, and a glob can name a hundred thousand files.
 */
function unreadable(path: string): string | null {
	try {
		accessSync(path, constants.R_OK);
		return null;
	} catch (error) {
		return `${path}: ${describeFsError(error)}`;
	}
}

/**
 * Python `glob.glob` semantics as far as tinyglobby allows: files only, `*` and `?` do not match a leading dot, no
 * braces or extglobs (Python has neither: `(` and `{` are literal), `**` recursive only when written. Relative
 * patterns give relative paths, absolute patterns absolute ones. Sorted by code point, like Python's `sorted`, but
 * rotated files oldest first.
 */
async function expandPattern(pattern: string): Promise<string[]> {
	const found = await glob(pattern, {
		absolute: isAbsolute(pattern),
		dot: false,
		onlyFiles: true,
		expandDirectories: false,
		braceExpansion: false,
		extglob: false,
		followSymbolicLinks: true,
	});
	// tinyglobby normalises `./x*` to `x…`; Python keeps the directory part as written.
	const prefix = pattern.startsWith('./') ? './' : '';
	// UTF-8 byte order is code point order (JavaScript's default sort compares UTF-16 units, which is not). Then the
	// rotated files of one log oldest first (access.log.2.gz, access.log.1, access.log): Matomo builds visits from
	// hits in time order, and name order would send the newest first.
	const sorted = found
		.map(path => ({path: prefix + path, key: Buffer.from(path, 'utf8')}))
		.sort((a, b) => Buffer.compare(a.key, b.key))
		.map(({path}) => path);
	return oldestFirst(sorted, path => path);
}
