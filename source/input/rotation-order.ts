/**
 * Rotated logs in the order they were written. logrotate names the live file `access.log`, the one before it
 * `access.log.1`, then `access.log.2.gz`…: name order reads the newest first, and Matomo builds visits from hits in
 * time order, so they are imported oldest first (the highest number first, the live file last).
 */
import path from 'node:path';

const compressed = /\.(gz|bz2|xz|zst)$/;
const numbered = /^(.*)\.(\d+)$/;

export interface Rotation {
	/** The live file's path, the same for every member of the set. */
	readonly base: string;
	/** 0 for the live file, N for `.N`: higher is older. */
	readonly age: number;
}

export function rotationOf(file: string): Rotation {
	const plain = file.replace(compressed, '');
	const match = numbered.exec(plain);
	if (!match || path.basename(match[1]!) === '') return {base: plain, age: 0};
	return {base: match[1]!, age: Number(match[2])};
}

/**
 * `items` with each set of rotated files oldest first. A set takes the place of its first member; other items keep
 * their place, so only what rotation orders moves.
 */
export function oldestFirst<T>(items: readonly T[], pathOf: (item: T) => string | undefined): T[] {
	const groups = new Map<string, Array<{item: T; age: number}>>();
	const order: Array<{item: T} | {base: string}> = [];
	for (const item of items) {
		const file = pathOf(item);
		if (file === undefined) {
			order.push({item});
			continue;
		}

		const {base, age} = rotationOf(file);
		let group = groups.get(base);
		if (!group) {
			group = [];
			groups.set(base, group);
			order.push({base});
		}

		group.push({item, age});
	}

	return order.flatMap(entry =>
		'item' in entry
			? [entry.item]
			: groups
					.get(entry.base)!
					.sort((a, b) => b.age - a.age)
					.map(member => member.item),
	);
}
