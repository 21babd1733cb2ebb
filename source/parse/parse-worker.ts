/**
 * The per-line stage of one input in a worker thread: read → split into batches → parse → checks → tracking
 * requests, sent to the run as it goes (see parse-worker-protocol.ts for how the run shares the parsing). The run's
 * thread keeps what needs order and I/O: the watermark, the recorders and Matomo, checkpoints, the views.
 *
 * The worker rebuilds the format, checks and request builder from the configuration and the sample the run chose
 * the format with (the same inputs give the same parser).
 */
import {parentPort} from 'node:worker_threads';
import {compileChecks} from '../filter/checks.js';
import {openInput} from '../input/open-input.js';
import {readLines} from '../input/line-reader.js';
import type {LineBatch} from '../input/types.js';
import {chooseFormat} from './choose-format.js';
import {QueryBuilder} from '../track/tracking-request.js';
import {LineProcessor} from './line-processor.js';
import {BatchParser, BufferPool, batchTexts, pooledArrays, type BatchTexts} from './parsed-batch.js';
import {processorOptionsOf, requestOptionsOf} from './stage-options.js';
import {evidenceTableOf, stateBuffers} from '../filter/bots/visitor-evidence-table.js';
import {CLAIMED_BY_WORKER, claim, type ParseWorkerData, type ParseWorkerMessage, type StartMessage, type TakenMessage} from './parse-worker-protocol.js';

const port = parentPort!;
const pool = new BufferPool();
let data: ParseWorkerData;
let claims: Int32Array;
let taken = 0;
let wake: (() => void) | undefined;
// The worker is started early (its modules load while the run checks Matomo and reads the sample); the input
// comes with the first message.
port.on('message', (message: StartMessage | TakenMessage) => {
	if (message.type === 'start') {
		data = message.data;
		claims = new Int32Array(data.claims);
		main().catch((error: unknown) => {
			send({type: 'error', message: error instanceof Error ? error.message : String(error)});
		});
		return;
	}

	taken = Math.max(taken, message.count);
	pool.give(message.returned);
	wake?.();
});

function send(message: ParseWorkerMessage, transfer: ArrayBuffer[] = []): void {
	port.postMessage(message, transfer);
}

/** The texts went to the run with the lines; the parsed batch carries none. */
const noTexts: BatchTexts = {texts: Buffer.allocUnsafeSlow(0), textStarts: new Uint32Array(0), textEnds: new Uint32Array(0), ascii: true};

async function main(): Promise<void> {
	const {config, spec} = data;
	const {parser} = chooseFormat(data.sample, config);
	const counters = {downloads: 0};
	// Given only with --bot-detection=behavior: the evidence of every line the run parsed before.
	const evidence = data.evidence === undefined ? undefined : evidenceTableOf(config, data.evidence);
	const processor = new LineProcessor(
		parser,
		compileChecks({...config, replayTracking: config.replayTracking}),
		counters,
		{...processorOptionsOf(config, false), evidence},
		spec.id,
	);
	const batchParser = new BatchParser(processor, counters, {
		queries: data.buildRequests ? new QueryBuilder(requestOptionsOf(config)) : undefined,
		site: data.site,
		completeHits: true,
		detailFiltered: config.debug >= 2,
		pool,
		evidence,
	});
	const opened = await openInput(spec, {startOffset: data.startOffset, chunksAreTransient: true});
	try {
		const lines = readLines(opened, {
			encoding: config.encoding,
			firstLineNo: data.firstLineNo,
			baseOffset: data.startOffset,
			batchLines: data.batchLines,
		});
		const offered: Array<{seq: number; batch: LineBatch; bytesRead: number}> = [];
		let previous = data.previousLine;
		let next = 0;
		let ended = false;
		for (;;) {
			// Read ahead: each batch read is posted at once, so the run can take it when it would wait.
			while (!ended && offered.length < data.onOffer && next < taken + data.readAhead) {
				const item = await lines.next();
				if (item.done) {
					ended = true;
					break;
				}

				const batch = item.value;
				const texts = batchTexts(previous, batch.lines, pool);
				if (batch.lines.length > 0) previous = batch.lines[batch.lines.length - 1]!;
				const ends = new Float64Array(pool.take(batch.ends.length * 8), 0, batch.ends.length);
				ends.set(batch.ends);
				const bytesRead = opened.rawBytesRead();
				send({type: 'lines', seq: next, firstLineNo: batch.firstLineNo, ends, oversized: batch.oversized, ...texts, bytesRead}, [
					texts.texts.buffer as ArrayBuffer,
					texts.textStarts.buffer as ArrayBuffer,
					texts.textEnds.buffer as ArrayBuffer,
					ends.buffer as ArrayBuffer,
				]);
				offered.push({seq: next++, batch, bytesRead});
			}

			const item = offered.shift();
			if (item === undefined) {
				if (ended) break;
				await new Promise<void>(resolve => (wake = resolve));
				wake = undefined;
				continue;
			}

			// Taken by the run meanwhile: skip it.
			if (!claim(claims, item.seq, CLAIMED_BY_WORKER)) continue;
			const {texts: _texts, textStarts: _starts, textEnds: _ends, ...parsed} = batchParser.parse(item.batch, item.bytesRead, noTexts);
			if (parsed.slow.length > 0) throw new Error('internal: a parse worker cannot finish hits that need the run');
			send(
				{type: 'parsed', seq: item.seq, parsed},
				pooledArrays(parsed).map(view => view.buffer as ArrayBuffer),
			);
		}

		// The evidence goes back to the run (moved: the worker is done with it).
		const state = evidence?.state();
		send(
			{type: 'end', problems: [...(opened.problems ?? [])], bytesRead: opened.rawBytesRead(), batches: next, evidence: state},
			state ? stateBuffers(state) : [],
		);
	} finally {
		await opened.close();
	}
}
