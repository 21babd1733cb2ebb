/**
 * Follow mode, like `tail -F`: read a plain file from an offset, then wait for it to grow. When the path is rotated
 * (renamed away and recreated: another inode now has the name) the old file is read to its end first, then the new
 * file from offset 0. When the file shrinks below what was read (logrotate's `copytruncate`), reading restarts at 0.
 *
 * Polling, not inotify: it works the same on every file system (NFS, bind mounts, containers), and a log importer
 * does not need millisecond latency.
 *
 * Limits of polling: with `copytruncate`, lines written between the copy and the truncation are lost (as with
 * `tail -F`), and a file that is truncated and then grows past the old offset within one poll interval is not seen as
 * truncated. A last line without a newline in the old file runs into the first line of the new one, unless the
 * consumer ends it on `onRotate`.
 */
import {open, stat, type FileHandle} from 'node:fs/promises';
import {setTimeout as sleep} from 'node:timers/promises';

export type RotationReason = 'renamed' | 'truncated';

export interface FollowOptions {
	/** Byte offset in the file to start at. */
	startOffset: number;
	/** How often to look for growth and rotation at the end of the file; default 250 ms. */
	pollMs?: number;
	/** Ends the generator (it returns; it does not throw). */
	signal: AbortSignal;
	/** Bytes per read; default 256 KiB. */
	chunkSize?: number;
	/**
	 * Called when reading switches to a new file (renamed) or restarts at 0 (truncated), before its first chunk:
	 * offsets start again at 0 from here.
	 */
	onRotate?: (reason: RotationReason) => void;
}

export async function* followFile(path: string, options: FollowOptions): AsyncGenerator<Buffer> {
	const {signal} = options;
	const pollMs = options.pollMs ?? 250;
	const chunkSize = options.chunkSize ?? 256 * 1024;
	const wait = async (): Promise<boolean> => {
		try {
			await sleep(pollMs, undefined, {signal});
			return true;
		} catch {
			return false; // aborted
		}
	};

	// Like `tail -F`, wait for a file that does not exist yet.
	let fh: FileHandle | null = null;
	while (fh === null) {
		if (signal.aborted) return;
		fh = await open(path, 'r').catch(() => null);
		if (fh === null && !(await wait())) return;
	}
	let position = options.startOffset;

	async function* drain(handle: FileHandle): AsyncGenerator<Buffer> {
		for (;;) {
			const buf = Buffer.allocUnsafe(chunkSize);
			const {bytesRead} = await handle.read(buf, 0, chunkSize, position);
			if (bytesRead === 0) return;
			position += bytesRead;
			yield bytesRead === chunkSize ? buf : Buffer.from(buf.subarray(0, bytesRead));
		}
	}

	try {
		let current = await fh.stat();
		while (!signal.aborted) {
			yield* drain(fh);
			if (signal.aborted) return;
			// At the end of what has been written: has the name moved on to another file?
			const named = await stat(path).catch(() => null);
			if (named !== null && (named.ino !== current.ino || named.dev !== current.dev)) {
				const next = await open(path, 'r').catch(() => null);
				if (next !== null) {
					// The writer may have added to the old file between our last read and the rename.
					yield* drain(fh);
					await fh.close();
					fh = next;
					current = await fh.stat();
					position = 0;
					options.onRotate?.('renamed');
					continue;
				}
			}
			// The same file, shorter than what we read: copytruncate.
			const own = await fh.stat();
			if (own.size < position) {
				position = 0;
				options.onRotate?.('truncated');
				continue;
			}
			if (!(await wait())) return;
		}
	} finally {
		await fh.close();
	}
}
