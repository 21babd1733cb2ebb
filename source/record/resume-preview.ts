/**
 * What a run would resume, before it starts: for each input, whether an earlier run imported part or all of it.
 * Read-only (the wizard's review step shows it and offers --reimport).
 */
import fs from 'node:fs/promises';
import type {ImportConfig} from '../options/config.js';
import {expandInputs} from '../input/expand-inputs.js';
import {Checkpoints, scopedStatePath} from './checkpoints.js';

export interface ResumeInfo {
	path: string;
	/** 'new': never imported; 'partial': continues after `lineNo`; 'done': fully imported; 'changed': imported before, but its content changed there. */
	status: 'new' | 'partial' | 'done' | 'changed';
	lineNo: number;
	offset: number;
	updatedAt: string | null;
}

export async function previewResume(config: ImportConfig): Promise<{statePath: string; inputs: ResumeInfo[]}> {
	const statePath = config.stateFile ?? scopedStatePath(config);
	const {inputs} = await expandInputs(config.files);
	const checkpoints = await Checkpoints.open(statePath, false);
	const out: ResumeInfo[] = [];
	for (const spec of inputs) {
		if (spec.path === '-') continue;
		const found = await checkpoints.lookup(spec, config.encoding);
		if (found.changed) {
			out.push({
				path: spec.path,
				status: 'changed',
				lineNo: found.changed.lineNo,
				offset: found.changed.offset,
				updatedAt: found.changed.updatedAt,
			});
			continue;
		}

		const entry = found.resume?.entry;
		if (!entry) {
			out.push({path: spec.path, status: 'new', lineNo: 0, offset: 0, updatedAt: null});
			continue;
		}

		let size: number | undefined;
		try {
			size = (await fs.stat(spec.path)).size;
		} catch {}

		// A plain file whose size is the checkpoint has nothing new (a compressed one may: its size is not the offset).
		const done = entry.complete && size === entry.offset;
		out.push({path: spec.path, status: done ? 'done' : 'partial', lineNo: entry.lineNo, offset: entry.offset, updatedAt: entry.updatedAt});
	}

	return {statePath, inputs: out};
}
