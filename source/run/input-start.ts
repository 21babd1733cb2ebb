/**
 * How an input starts: where (after its checkpoint, unless --reimport or the file changed), whether it can be skipped
 * without being opened at all (imported whole before, and byte for byte as it was then), and what an input without a
 * line to read is.
 */
import fsPromises from 'node:fs/promises';
import type {ImportConfig} from '../options/config.js';
import type {InputProgress, RunState} from '../core/run-state.js';
import type {InputProblem, InputSpec} from '../input/types.js';
import type {CheckpointEntry} from '../record/checkpoint-store.js';
import type {Checkpoints} from '../record/checkpoints.js';

export interface ResumeContext {
	config: ImportConfig;
	state: RunState;
	checkpoints: Checkpoints | undefined;
	notice(message: string): void;
}

/** The checkpoint to resume an input from, if any; a changed file is said once, as a warning. */
export async function resumePoint(run: ResumeContext, spec: InputSpec): Promise<CheckpointEntry | undefined> {
	if (!run.checkpoints || spec.path === '-' || run.config.reimport) return undefined;
	const found = await run.checkpoints.lookup(spec, run.config.encoding);
	if (found.changed) {
		const size = await fsPromises.stat(spec.path).then(
			info => info.size,
			() => undefined,
		);
		const beyond = size !== undefined && size < found.changed.offset && !spec.path.endsWith('.gz') && !spec.path.endsWith('.bz2');
		run.notice(
			beyond
				? `WARNING: ${spec.displayName}: its checkpoint (line ${found.changed.lineNo}, byte ${found.changed.offset}) is beyond the end of the file (${size} bytes): the file was truncated or the state edited; importing it from the start`
				: `WARNING: ${spec.displayName}: it matches the start of a file imported before, but not where that import stopped (line ${found.changed.lineNo}): importing it from the start`,
		);
	}

	return found.resume?.entry;
}

/**
 * An input imported whole before and byte for byte as when that import completed (size, time, first bytes): it is
 * counted as already imported without being opened or decompressed. Returns whether it was skipped.
 */
export function skipUnchanged(run: ResumeContext, spec: InputSpec, resume: CheckpointEntry | undefined, progress: InputProgress, quiet: boolean): boolean {
	if (!resume?.complete || !run.checkpoints?.unchanged(spec.id)) return false;
	if (!quiet) run.state.counters.skipped.alreadyImported += resume.lineNo;
	progress.phase = 'skipped';
	progress.message = `already imported (${resume.lineNo} lines, up to ${resume.updatedAt})`;
	if (!quiet) run.notice(`${spec.displayName}: ${progress.message}`);
	return true;
}

/**
 * An input whose sample has no line: empty, or damaged before its first line (a cut single-block .bz2), which is
 * not an empty file but a failure.
 */
export function emptyInput(spec: InputSpec, progress: InputProgress, damage: InputProblem | undefined, notice: (message: string) => void): 'empty' | 'damaged' {
	if (damage) {
		progress.phase = 'failed';
		progress.message = damage.message;
		notice(`${spec.displayName}: ${damage.message}`);
		return 'damaged';
	}

	progress.phase = 'skipped';
	progress.message = 'empty file';
	return 'empty';
}
