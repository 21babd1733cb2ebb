/**
 * The per-line stage of one input in a worker thread: read → parse → checks → tracking request, batch by batch, sent
 * to the run as ParsedBatch (transferred, not copied). The run's thread keeps what needs order and I/O: the
 * watermark, the recorders and Matomo, checkpoints, the views. So parsing runs on one core while the requests go
 * out from the other, and the dashboard stays responsive whatever the parsing speed.
 *
 * The worker rebuilds the format, checks and request builder from the configuration and the sample the run chose
 * the format with (the same inputs give the same parser). It reads ahead at most a few batches: the run grants
 * one more each time it has taken one (its own backpressure then holds the worker too).
 */
import {parentPort, workerData} from 'node:worker_threads';
import {compileChecks} from '../filter/checks.js';
import {openInput} from '../input/open-input.js';
import {readLines} from '../input/line-reader.js';
import {chooseFormat} from '../parse/choose-format.js';
import {QueryBuilder} from '../track/tracking-request.js';
import {LineProcessor} from './line-processor.js';
import {BatchParser, transferList} from './parsed-batch.js';
import {processorOptionsOf, requestOptionsOf} from './stage-options.js';
import type {ParseWorkerData, ParseWorkerMessage} from './parse-worker-protocol.js';

const data = workerData as ParseWorkerData;
const port = parentPort!;
let credits = data.readAhead;
let wake: (() => void) | undefined;
port.on('message', (message: unknown) => {
	if (message === 'more') {
		credits++;
		wake?.();
	}
});

function send(message: ParseWorkerMessage, transfer: ArrayBuffer[] = []): void {
	port.postMessage(message, transfer);
}

async function main(): Promise<void> {
	const {config, spec} = data;
	const {parser} = chooseFormat(data.sample, config);
	const counters = {downloads: 0};
	const processor = new LineProcessor(parser, compileChecks({...config, replayTracking: config.replayTracking}), counters, processorOptionsOf(config, false), spec.id);
	const batchParser = new BatchParser(processor, counters, {
		queries: data.buildRequests ? new QueryBuilder(requestOptionsOf(config)) : undefined,
		site: data.site,
		completeHits: true,
		detailFiltered: data.detailFiltered,
		transferable: true,
	});
	batchParser.setPreviousLine(data.previousLine);
	const opened = await openInput(spec, {startOffset: data.startOffset, chunksAreTransient: true});
	try {
		const lines = readLines(opened, {encoding: config.encoding, firstLineNo: data.firstLineNo, baseOffset: data.startOffset, batchLines: data.batchLines});
		for await (const batch of lines) {
			while (credits === 0) await new Promise<void>(resolve => (wake = resolve));
			credits--;
			const parsed = batchParser.parse(batch, opened.rawBytesRead());
			if (parsed.slow.length > 0) throw new Error('internal: a parse worker cannot finish hits that need the run');
			send({type: 'batch', parsed}, transferList(parsed));
		}

		send({type: 'end', problems: [...(opened.problems ?? [])], bytesRead: opened.rawBytesRead()});
	} finally {
		await opened.close();
	}
}

main().catch((error: unknown) => {
	send({type: 'error', message: error instanceof Error ? error.message : String(error)});
});
