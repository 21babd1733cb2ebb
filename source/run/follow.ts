/**
 * --follow: like `tail -F`. Every poll, each file is imported again from its checkpoint (so only its new lines), once
 * Matomo has acknowledged everything before. A file replaced by rotation is first drained through the descriptor kept
 * open on it (the lines written just before the rename), then the new file is read from its start. While Matomo is
 * down, requests are retried and reading waits: nothing is dropped.
 */
import type fs from 'node:fs';
import fsPromises, {type FileHandle} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {expandInputs} from '../input/expand-inputs.js';
import type {InputSpec} from '../input/types.js';
import {readRange} from '../record/checkpoint-entry.js';

/** What the follow loop needs from the run. */
export interface FollowHost {
	readonly stopped: boolean;
	/** Wait `ms`, or less when the run is stopped. */
	pause(ms: number): Promise<void>;
	/** Everything read acknowledged, the checkpoints saved. */
	settle(): Promise<void>;
	/** Import the input again from its checkpoint. */
	importAgain(spec: InputSpec): Promise<void>;
	/** The input was truncated in place and no copy of it was found: what it had unread is lost to the import. */
	truncated(spec: InputSpec, sizeBefore: number): void;
}

export async function follow(files: readonly string[], initial: readonly InputSpec[], pollMs: number, host: FollowHost): Promise<void> {
	const held = new Map<string, {ino: number; handle: FileHandle}>();
	const sizes = new Map<string, number>();
	/** The first bytes of each file when last imported: a file that no longer starts with them was truncated. */
	const heads = new Map<string, Buffer>();
	const remember = async (spec: InputSpec) => {
		try {
			// Only files: opening a FIFO would wait for its writer.
			if (!(await fsPromises.stat(spec.path)).isFile()) return;
			const handle = await fsPromises.open(spec.path, 'r');
			const info = await handle.stat();
			held.set(spec.path, {ino: info.ino, handle});
		} catch {}
	};

	for (const spec of initial) {
		if (spec.path === '-') continue;
		await remember(spec);
		if (held.has(spec.path)) heads.set(spec.path, await headOf(spec.path));
	}

	try {
		while (!host.stopped) {
			await host.pause(pollMs);
			if (host.stopped) break;
			await host.settle();
			const {inputs} = await expandInputs(files);
			for (const found of inputs) {
				if (host.stopped) break;
				if (found.path === '-') continue;
				let info: fs.Stats;
				try {
					info = await fsPromises.stat(found.path);
				} catch {
					continue;
				}

				const kept = held.get(found.path);
				if (kept && kept.ino !== info.ino) {
					// Rotated: finish the old file through the handle kept open on it (the path names the new one now).
					await host.importAgain({id: -1, path: found.path, displayName: `${found.displayName} (before rotation)`, handle: kept.handle});
					await host.settle();
					await kept.handle.close();
					held.delete(found.path);
					sizes.delete(found.path);
				}

				if (kept && kept.ino === info.ino) {
					const before = heads.get(found.path);
					const head = await headOf(found.path);
					if (before !== undefined && before.length > 0 && (info.size < (sizes.get(found.path) ?? 0) || !head.subarray(0, before.length).equals(before))) {
						// Copied and truncated (logrotate's copytruncate): the lines not imported yet are in the copy.
						const copy = await rotatedCopy(found.path, before);
						if (copy !== undefined) {
							await host.importAgain({id: -1, path: copy, displayName: `${copy} (copy before truncation)`});
							await host.settle();
						} else {
							host.truncated(found, sizes.get(found.path) ?? 0);
						}
					}
				}

				if (!held.has(found.path)) await remember(found);
				if (info.isFile()) heads.set(found.path, await headOf(found.path));
				if (sizes.get(found.path) === info.size && kept?.ino === info.ino) continue;
				sizes.set(found.path, info.size);
				await host.importAgain(found);
			}
		}
	} finally {
		for (const {handle} of held.values()) await handle.close().catch(() => {});
	}
}

const headBytes = 256;

async function headOf(path: string): Promise<Buffer> {
	try {
		const handle = await fsPromises.open(path, 'r');
		try {
			const buf = Buffer.alloc(headBytes);
			const {bytesRead} = await handle.read(buf, 0, headBytes, 0);
			return buf.subarray(0, bytesRead);
		} finally {
			await handle.close();
		}
	} catch {
		return Buffer.alloc(0);
	}
}

/** How many rotated siblings of a file are looked at for its copy (the newest first). */
const maxCopyCandidates = 10;

/**
 * The copy logrotate's copytruncate left beside `path`, when one starts as the file did: `path.1`, else the newest
 * of the names rotation gives it in the same directory (dateext's `access.log-20240211`, `access.log.2024-02-11`,
 * compressed or not).
 */
async function rotatedCopy(path: string, head: Buffer): Promise<string | undefined> {
	for (const candidate of [`${path}.1`, ...(await rotatedSiblings(path))]) {
		const start = await readRange({id: -1, path: candidate, displayName: candidate}, 0, head.length).catch(() => Buffer.alloc(0));
		if (start.length >= head.length && start.subarray(0, head.length).equals(head)) return candidate;
	}
	return undefined;
}

async function rotatedSiblings(path: string): Promise<string[]> {
	const dir = dirname(path);
	const name = basename(path);
	let names: string[];
	try {
		names = await fsPromises.readdir(dir);
	} catch {
		return [];
	}

	const found: Array<{path: string; mtimeMs: number}> = [];
	for (const other of names) {
		if (other === name || other === `${name}.1` || !(other.startsWith(`${name}-`) || other.startsWith(`${name}.`))) continue;
		const candidate = join(dir, other);
		const info = await fsPromises.stat(candidate).catch(() => undefined);
		if (info?.isFile()) found.push({path: candidate, mtimeMs: info.mtimeMs});
	}

	return found
		.sort((a, b) => b.mtimeMs - a.mtimeMs)
		.slice(0, maxCopyCandidates)
		.map(candidate => candidate.path);
}
