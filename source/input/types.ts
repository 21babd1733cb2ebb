/** The contract of the input layer: files, globs and stdin become batches of decoded lines with byte offsets. */
import type {FileHandle} from 'node:fs/promises';

export type Compression = 'none' | 'gzip' | 'bzip2';

/** One input after glob expansion. */
export interface InputSpec {
	/** Index in the run's list of inputs. */
	readonly id: number;
	/** The path as given/expanded, or `-` for stdin. */
	readonly path: string;
	/** What to show: the path, or `(stdin)`. */
	readonly displayName: string;
	/** A named pipe (FIFO, `/dev/stdin` as a pipe, `<(…)`), when known from listing the inputs: read once, as a stream. */
	readonly pipe?: boolean;
	/**
	 * Read through this open file rather than the path (which may name another file by now: `--follow` finishes a
	 * rotated file through the descriptor it kept). The caller keeps it: it is not closed with the input.
	 */
	readonly handle?: FileHandle;
}

/** An opened input: a stream of decompressed bytes. */
export interface OpenedInput {
	readonly spec: InputSpec;
	/** Size on disk in bytes (compressed size for .gz/.bz2); `null` for stdin and pipes. */
	readonly size: number | null;
	/** Found from the first bytes (magic numbers), not from the file name. */
	readonly compression: Compression;
	/** Bytes of the file itself (compressed, for .gz/.bz2) consumed so far: drives progress bars. */
	rawBytesRead(): number;
	/** Decompressed content. */
	readonly chunks: AsyncIterable<Buffer>;
	/** Stop reading and release the file. */
	close(): Promise<void>;
	/**
	 * Problems met while reading (truncated or corrupt .gz/.bz2, a read error mid-file), in order. Reading stops at
	 * the first one: `chunks` then ends normally after delivering everything readable. Check it after the
	 * iteration. Absent for inputs that cannot have problems.
	 */
	readonly problems?: readonly InputProblem[];
}

/**
 * Consecutive lines of one input. Line terminators (`\n`, `\r\n`, lone `\r`: Python's universal newlines) are
 * removed. Offsets are in the decompressed byte stream.
 */
export interface LineBatch {
	readonly lines: string[];
	/** `ends[i]`: byte offset just after line i and its terminator (where the next line starts). */
	readonly ends: number[];
	/** 0-based line number of `lines[0]` in the input. */
	readonly firstLineNo: number;
	/**
	 * Indexes (in this batch) of lines longer than the reader's limit: their text is cut to the limit, the engine
	 * counts them as invalid ("line too long"). Absent when there are none.
	 */
	readonly oversized?: number[];
}

/** A problem reading an input that does not stop the import (truncated .gz, read error mid-file). */
export interface InputProblem {
	readonly input: InputSpec;
	/** Decompressed byte offset where reading stopped. */
	readonly offset: number;
	readonly message: string;
}
