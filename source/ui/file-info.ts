/**
 * What the wizard shows about a log file (size, date, compression from the magic bytes) and the estimate of lines to
 * read from sizes and the sample's average line length.
 */
import {open, stat} from 'node:fs/promises';
import {expandInputs} from '../input/expand-inputs.js';
import {detectCompression} from '../input/open-input.js';
import type {Compression} from '../input/types.js';

export interface FileInfo {
	readonly path: string;
	readonly size: number;
	readonly modified: Date;
	readonly compression: Compression;
	/** Decompressed size: the file's for plain text, gzip's trailer (ISIZE) for gzip, unknown for bzip2. */
	readonly contentSize: number | null;
}

export async function fileInfo(path: string): Promise<FileInfo> {
	const info = await stat(path);
	const handle = await open(path, 'r');
	try {
		const head = Buffer.alloc(4);
		const {bytesRead} = await handle.read(head, 0, 4, 0);
		const compression = detectCompression(head.subarray(0, bytesRead));
		let contentSize: number | null = compression === 'none' ? info.size : null;
		if (compression === 'gzip' && info.size >= 18) {
			// The last 4 bytes of a gzip member hold its size modulo 2^32: exact for logs under 4 GiB.
			const tail = Buffer.alloc(4);
			await handle.read(tail, 0, 4, info.size - 4);
			contentSize = tail.readUInt32LE(0);
		}

		return {path, size: info.size, modified: info.mtime, compression, contentSize};
	} finally {
		await handle.close();
	}
}

export interface ExpandedFiles {
	readonly infos: FileInfo[];
	readonly problems: string[];
}

/** The files the arguments name (globs expanded like the import will), with their details. */
export async function describeFiles(args: readonly string[]): Promise<ExpandedFiles> {
	const {inputs, problems} = await expandInputs(args);
	const infos: FileInfo[] = [];
	for (const input of inputs) {
		if (input.path === '-') continue;
		try {
			infos.push(await fileInfo(input.path));
		} catch (error) {
			problems.push(`${input.path}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	return {infos, problems};
}

export interface LineEstimate {
	/** Lines expected in the files whose content size is known. */
	readonly lines: number;
	/** Files left out of the estimate (bzip2: no size in the file). */
	readonly unknownFiles: number;
}

/** `alreadyImported`: bytes of each file (by path) that earlier runs imported, which a resume does not read again. */
export function estimateLines(
	infos: readonly FileInfo[],
	averageLineBytes: number | null,
	alreadyImported: ReadonlyMap<string, number> = new Map(),
): LineEstimate | null {
	if (averageLineBytes === null || averageLineBytes <= 0) return null;
	let bytes = 0;
	let unknownFiles = 0;
	for (const info of infos) {
		if (info.contentSize === null) unknownFiles++;
		else bytes += Math.max(0, info.contentSize - (alreadyImported.get(info.path) ?? 0));
	}

	return {lines: Math.round(bytes / averageLineBytes), unknownFiles};
}
