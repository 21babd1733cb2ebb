/** What the recorders are given (a sender, options, events to tell the run) and what a sender answers. */
import type {EncodedRequests, HitBatch} from './hit-batch.js';

export interface BulkAnswer {
	tracked: number | null;
	invalid: number | null;
	invalidIndices: number[];
	/** The answer as Matomo sent it (its debug output with --debug-tracker). */
	rawBody?: string;
}

/** What a failed request tells us (the Matomo client's MatomoError has this shape). */
export interface SendFailure {
	message: string;
	kind?: string;
	status?: number;
	tracked?: number;
	retryable?: boolean;
	retryAfterMs?: number;
}

export interface BulkSender {
	sendBulk(requests: EncodedRequests, signal?: AbortSignal): Promise<BulkAnswer>;
}

export interface RecorderOptions {
	lanes: number;
	concurrency: number;
	payloadSize: number;
	/** Flush a lane's partial batch after this long. */
	flushIntervalMs: number;
	/** Most hits waiting in all lanes before the reader has to wait. */
	maxQueued: number;
	retryMaxAttempts: number;
	retryDelayMs: number;
	/** Seconds between single hits (--debug-force-one-hit-every-Ns). */
	spacingMs?: number;
	/**
	 * Trust the `tracked` count of an error answer: the first `tracked` hits are done, resend the rest. Only for a
	 * Matomo without bulk transactions: a default Matomo rolls a failed batch back, and the count describes work undone.
	 */
	trustTrackedCount: boolean;
	/**
	 * --recorders=auto: find the concurrency that maximises Matomo's throughput, and the batch size that keeps its
	 * answers prompt (see adaptive.ts).
	 */
	adaptive?: boolean;
}

export interface RecorderEvents {
	/** Matomo acknowledged hits `from` to `to` (exclusive) of the batch; `invalid` lists those it reported invalid. */
	acknowledged(batch: HitBatch, from: number, to: number, invalid: readonly number[]): void;
	/** Retries are exhausted or the error cannot be retried: the import must stop. */
	fatal(message: string): void;
	/** Something worth showing once. */
	notice(message: string): void;
	/** For the UI: a human name of an input. */
	inputName(input: number): string;
	/** Every answer, for --debug-tracker. */
	answered?(answer: BulkAnswer): void;
}
