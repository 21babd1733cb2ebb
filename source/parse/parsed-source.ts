/**
 * Where a run's parsed batches come from: its own thread (stdin, the sample, inputs that need the run for each hit)
 * or a parse worker, whose parsing the run shares when it would otherwise wait (see parse-worker-protocol.ts). Both
 * yield ParsedBatch in line order; the run handles them the same way.
 */
import {Worker} from 'node:worker_threads';
import {beforeParseWorker} from '../gc-tuning.js';
import type {InputProblem} from '../input/types.js';
import {pooledArrays, type BatchParser, type ParsedBatch} from './parsed-batch.js';
import type {VisitorEvidenceState} from '../filter/bots/visitor-evidence-table.js';
import {
	CLAIMED_BY_RUN,
	claim,
	claimSlots,
	type LinesMessage,
	type ParsedLines,
	type ParseWorkerData,
	type ParseWorkerMessage,
	type StartMessage,
	type TakenMessage,
} from './parse-worker-protocol.js';

export interface WorkerSource {
	batches: AsyncGenerator<ParsedBatch>;
	/** After the last batch: problems met reading the input, raw bytes read. */
	readonly ending: {problems: InputProblem[]; bytesRead: number} | undefined;
	/** Stop the worker (an early end: stop, --debug-request-limit). */
	close(): Promise<void>;
}

/**
 * A parse worker, idle until `parsedInWorker` gives it an input: start it early, its modules load meanwhile. The
 * built .js, or under tsx (the tests) the .ts source with tsx loaded in the worker first.
 */
export function startParseWorker(): Worker {
	beforeParseWorker();
	const own = import.meta.url;
	const worker = own.endsWith('.ts')
		? new Worker(`import('tsx/esm/api').then(api => { api.register(); return import(${JSON.stringify(new URL('./parse-worker.ts', own).href)}); })`, {
				eval: true,
			})
		: new Worker(new URL('./parse-worker.js', own));
	liveWorkers.add(worker);
	worker.once('exit', () => liveWorkers.delete(worker));
	return worker;
}

/** The parse workers not yet ended. */
const liveWorkers = new Set<Worker>();

/**
 * End every parse worker. Call before process.exit(): a worker thread still running while the process exits can
 * crash in its own teardown (the segfaults in libgcc_s the kernel logged at exit).
 */
export async function stopParseWorkers(): Promise<void> {
	await Promise.all([...liveWorkers].map(async worker => worker.terminate()));
}

/** How far ahead of the batch it needs next the run looks for one to parse itself. */
const stealWindow = 3;

/**
 * The batches of a parse worker, in order. With `share`, the run parses a batch itself when it would otherwise wait,
 * with `ownParser` (it gets the batch's texts, so its own notion of the previous line does not matter). Worth it
 * when this thread has time to spare (see ImportRunDeps.shareParsing for when the run asks for it).
 */
export function parsedInWorker(
	worker: Worker,
	options: Omit<ParseWorkerData, 'claims'>,
	ownParser: BatchParser,
	share: boolean,
	/** --bot-detection=behavior: the worker's visitor evidence at its end, for the run's thread to go on with. */
	evidenceBack?: (state: VisitorEvidenceState) => void,
): WorkerSource {
	const claims = new SharedArrayBuffer(claimSlots * 4);
	const slots = new Int32Array(claims);
	worker.postMessage({type: 'start', data: {...options, claims}} satisfies StartMessage);
	const lines = new Map<number, LinesMessage>();
	const parsed = new Map<number, ParsedLines | ParsedBatch>();
	let total: number | undefined;
	let ending: WorkerSource['ending'];
	let failure: Error | undefined;
	let exited = false;
	let wake: (() => void) | undefined;
	worker.on('message', (message: ParseWorkerMessage) => {
		if (message.type === 'lines') lines.set(message.seq, message);
		else if (message.type === 'parsed') parsed.set(message.seq, message.parsed);
		else if (message.type === 'end') {
			total = message.batches;
			ending = {problems: message.problems, bytesRead: message.bytesRead};
			if (message.evidence) evidenceBack?.(message.evidence);
		} else failure ??= new Error(message.message);
		wake?.();
	});
	worker.on('error', error => {
		failure ??= error;
		wake?.();
	});
	worker.on('exit', () => {
		exited = true;
		wake?.();
	});
	const close = async () => {
		if (!exited) await worker.terminate();
	};

	/** Parse a batch the worker has not claimed yet, here. */
	const steal = (seq: number): boolean => {
		if (!share) return false;
		const message = lines.get(seq);
		if (!message?.ascii || parsed.has(seq)) return false;
		if (!claim(slots, seq, CLAIMED_BY_RUN)) return false;
		const texts = Buffer.from(message.texts.buffer, message.texts.byteOffset, message.texts.byteLength);
		const count = message.ends.length;
		const batchLines: string[] = new Array<string>(count);
		// ASCII: latin1 gives the lines back exactly.
		for (let i = 0; i < count; i++) batchLines[i] = texts.toString('latin1', message.textStarts[i + 1], message.textEnds[i + 1]);
		parsed.set(
			seq,
			ownParser.parse(
				{lines: batchLines, ends: message.ends as unknown as number[], firstLineNo: message.firstLineNo, oversized: message.oversized},
				message.bytesRead,
				{texts, textStarts: message.textStarts, textEnds: message.textEnds, ascii: true},
			),
		);
		return true;
	};

	async function* batches(): AsyncGenerator<ParsedBatch> {
		try {
			for (let seq = 0; ; ) {
				if (failure) throw failure;
				const done = parsed.get(seq);
				if (done !== undefined) {
					const message = lines.get(seq)!;
					parsed.delete(seq);
					lines.delete(seq);
					seq++;
					const ownParse = 'texts' in done;
					yield ownParse
						? done
						: {
								...done,
								texts: Buffer.from(message.texts.buffer, message.texts.byteOffset, message.texts.byteLength),
								textStarts: message.textStarts,
								textEnds: message.textEnds,
								requests: Buffer.from(done.requests.buffer, done.requests.byteOffset, done.requests.byteLength),
							};
					// The run is done with the batch: its memory goes back to the worker (what the run parsed itself is its own).
					const returned: ArrayBufferView[] = [message.texts, message.textStarts, message.textEnds, message.ends];
					if (!ownParse) returned.push(...pooledArrays(done));
					const buffers = returned.map(view => view.buffer as ArrayBuffer);
					worker.postMessage({type: 'taken', count: seq, returned: buffers} satisfies TakenMessage, buffers);
					continue;
				}

				if (total !== undefined && seq >= total) return;
				// The next batch is not parsed yet: rather than wait, parse one the worker has not started.
				let stole = false;
				for (let ahead = seq; ahead < seq + stealWindow && !stole; ahead++) stole = steal(ahead);
				if (stole) continue;
				if (exited) throw new Error('the parse worker ended unexpectedly');
				await new Promise<void>(resolve => (wake = resolve));
				wake = undefined;
			}
		} finally {
			await close();
		}
	}

	return {
		batches: batches(),
		get ending() {
			return ending;
		},
		close,
	};
}
