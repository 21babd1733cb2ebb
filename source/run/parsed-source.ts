/**
 * Where a run's parsed batches come from: its own thread (stdin, the sample, inputs that need the run for each hit)
 * or a parse worker. Both yield ParsedBatch in line order; the run handles them the same way.
 */
import {Worker} from 'node:worker_threads';
import type {LineBatch, InputProblem} from '../input/types.js';
import type {BatchParser, ParsedBatch} from './parsed-batch.js';
import type {ParseWorkerData, ParseWorkerMessage} from './parse-worker-protocol.js';

export async function* parsedInProcess(lines: AsyncIterable<LineBatch> | Iterable<LineBatch>, parser: BatchParser, bytesRead: () => number): AsyncGenerator<ParsedBatch> {
	for await (const batch of lines) yield parser.parse(batch, bytesRead());
}

export interface WorkerSource {
	batches: AsyncGenerator<ParsedBatch>;
	/** After the last batch: problems met reading the input, raw bytes read. */
	readonly ending: {problems: InputProblem[]; bytesRead: number} | undefined;
	/** Stop the worker (an early end: stop, --debug-request-limit). */
	close(): Promise<void>;
}

/** The worker's module: the built .js, or under tsx (the tests) the .ts source with tsx loaded in the worker first. */
function startWorker(data: ParseWorkerData): Worker {
	const own = import.meta.url;
	if (own.endsWith('.ts')) {
		const url = new URL('./parse-worker.ts', own).href;
		return new Worker(`import('tsx/esm/api').then(api => { api.register(); return import(${JSON.stringify(url)}); })`, {eval: true, workerData: data});
	}

	return new Worker(new URL('./parse-worker.js', own), {workerData: data});
}

export function parsedInWorker(data: ParseWorkerData): WorkerSource {
	const worker = startWorker(data);
	const queue: ParseWorkerMessage[] = [];
	let wake: (() => void) | undefined;
	let failure: Error | undefined;
	let exited = false;
	worker.on('message', (message: ParseWorkerMessage) => {
		queue.push(message);
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
	let ending: WorkerSource['ending'];
	const close = async () => {
		if (!exited) await worker.terminate();
	};

	async function* batches(): AsyncGenerator<ParsedBatch> {
			try {
				for (;;) {
					const message = queue.shift();
					if (message === undefined) {
						if (failure) throw failure;
						if (exited) throw new Error('the parse worker ended unexpectedly');
						await new Promise<void>(resolve => (wake = resolve));
						wake = undefined;
						continue;
					}

					if (message.type === 'error') throw new Error(message.message);
					if (message.type === 'end') {
						ending = {problems: message.problems, bytesRead: message.bytesRead};
						return;
					}

					worker.postMessage('more');
					yield revive(message.parsed);
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

/** Buffers arrive as plain Uint8Arrays: make them Buffers again (same memory). */
function revive(parsed: ParsedBatch): ParsedBatch {
	const asBuffer = (view: Uint8Array) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
	return {...parsed, texts: asBuffer(parsed.texts), requests: asBuffer(parsed.requests)};
}
