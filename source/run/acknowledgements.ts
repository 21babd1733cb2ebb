/**
 * What Matomo's answers mean for the run: each acknowledged request moves its input's watermark (and so the
 * checkpoint), counts the hit as recorded or as refused by the tracker, and a line that made several requests
 * (listening time) is done only with its last one.
 */
import type {RunState} from '../core/run-state.js';
import type {HitBatch} from '../record/recorders.js';
import type {InputWatermark} from '../record/watermark.js';

/** How many lines refused by the tracker are listed in the state (the oldest are dropped). */
const trackerInvalidLinesKept = 10_000;

export interface AcknowledgementEvents {
	/** Some watermark may have moved: the checkpoints are worth saving. */
	changed(): void;
	log(message: string): void;
}

export class Acknowledgements {
	/** The watermark of each input being read or waiting for answers, by input id. */
	readonly watermarks = new Map<number, InputWatermark>();
	/** Inputs read as far as this run goes whose watermark waits only for the answers still to come. */
	private readonly released = new Set<number>();
	/** Requests still unacknowledged of each line that made several, by part id (0: a line with one request). */
	private readonly parts = new Map<number, number>();
	private lastPartId = 0;

	constructor(
		private readonly state: RunState,
		private readonly events: AcknowledgementEvents,
	) {}

	/** An input starts being read: its hits are acknowledged in `watermark`. */
	track(input: number, watermark: InputWatermark): void {
		this.watermarks.set(input, watermark);
		this.released.delete(input);
	}

	/**
	 * The input is read as far as this run goes: its watermark is let go once none of its hits waits for an answer
	 * (the checkpoints keep what they need of it). A run over many thousands of files holds only those still moving.
	 */
	release(input: number): void {
		const watermark = this.watermarks.get(input);
		if (watermark === undefined) return;
		if (watermark.pending === 0) this.watermarks.delete(input);
		else this.released.add(input);
	}

	/** A line that makes `requests` requests: the part id its requests carry. */
	newPart(requests: number): number {
		const part = ++this.lastPartId;
		this.parts.set(part, requests);
		return part;
	}

	/** Requests [from, to) of `batch` were answered; `invalid`: those the tracker refused (indexes in the batch). */
	acknowledged(batch: HitBatch, from: number, to: number, invalid: readonly number[]): void {
		const counters = this.state.counters;
		const invalidSet = invalid.length > 0 ? new Set(invalid) : undefined;
		for (let i = from; i < to; i++) {
			const input = batch.inputs[i]!;
			const part = batch.parts[i]!;
			if (part !== 0) {
				const remaining = (this.parts.get(part) ?? 1) - 1;
				if (remaining > 0) this.parts.set(part, remaining);
				else this.parts.delete(part);
				if (remaining > 0 && !invalidSet?.has(i)) continue;
			}

			const watermark = this.watermarks.get(input);
			watermark?.ack(batch.seqs[i]!);
			if (this.released.size > 0 && watermark?.pending === 0 && this.released.delete(input)) this.watermarks.delete(input);
			if (invalidSet?.has(i)) {
				counters.skipped.trackerInvalid++;
				const name = this.state.inputs[input]?.displayName ?? '?';
				this.state.trackerInvalidLines.push(`${name}:${batch.lineNos[i]! + 1}`);
				if (this.state.trackerInvalidLines.length > trackerInvalidLinesKept) this.state.trackerInvalidLines.shift();
			} else {
				counters.hitsRecorded++;
				const progress = this.state.inputs[input];
				if (progress) progress.hits++;
			}
		}

		this.events.changed();
		if (invalid.length > 0) {
			this.events.log(`The Matomo tracker identified ${invalid.length} invalid requests on lines: ${invalid.map(i => batch.lineNos[i]).join(', ')}`);
		}
	}
}
