/**
 * The first lines of a log, read through the import's own input layer (gzip/bzip2, encodings), for the format
 * preview and the estimate of lines to read.
 */
import {openInput} from '../input/open-input.js';
import {readLines} from '../input/line-reader.js';

export interface LogSample {
	readonly path: string;
	readonly lines: string[];
	/** Decompressed bytes of those lines, terminators included. */
	readonly bytes: number;
	/** The whole file fit in the sample. */
	readonly complete: boolean;
}

/** As many lines as the import looks at to choose a format. */
export const sampleLineCount = 1000;

export async function readSample(path: string, options: {encoding?: string; maxLines?: number} = {}): Promise<LogSample> {
	const maxLines = options.maxLines ?? sampleLineCount;
	const opened = await openInput({id: 0, path, displayName: path});
	const batches = readLines(opened, {encoding: options.encoding, batchLines: 256});
	const lines: string[] = [];
	let bytes = 0;
	let complete = true;
	try {
		for await (const batch of batches) {
			const room = maxLines - lines.length;
			const take = Math.min(room, batch.lines.length);
			lines.push(...batch.lines.slice(0, take));
			if (take > 0) bytes = batch.ends[take - 1]!;
			if (lines.length >= maxLines) {
				complete = take === batch.lines.length && (await batches.next()).done === true;
				break;
			}
		}
	} finally {
		await batches.return(undefined);
		await opened.close();
	}

	return {path, lines, bytes, complete};
}

/** Average bytes per line, or null for an empty sample. */
export function averageLineBytes(sample: LogSample | undefined): number | null {
	if (!sample || sample.lines.length === 0) return null;
	return sample.bytes / sample.lines.length;
}
