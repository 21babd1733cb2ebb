/**
 * --bot-detection=behavior keeps the parse worker: the visitor evidence is gathered where the lines are parsed, so a
 * run parsed in a worker thread and one parsed in the run's thread must reach the same verdicts, send the same
 * requests and explain the same bots, also when the evidence of one input carries into the next.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {useShopDouble} from './bots-double.js';
import {runImport, tempDir, writeLog} from './helpers.js';
import {generateTraffic} from './bot-traffic.js';

const shop = useShopDouble();

async function importWith(parseWorker: 'always' | 'never', args: string[]) {
	shop().reset();
	const result = await runImport(['--idsite=1', '--bot-detection=behavior', ...args], {url: shop().url, parseWorker, shareParsing: true});
	assert.equal(result.exitCode, 0);
	return {
		result,
		requests: shop()
			.received.map(hit => JSON.stringify(hit.params))
			.sort(),
		inWorker: result.state.inputs.map(input => input.parsedInWorker === true),
	};
}

for (const seed of [3, 17]) {
	test(`a worker and the run's thread reach the same verdicts, over two inputs (seed ${seed})`, async () => {
		const traffic = generateTraffic(seed, {humans: 300, bots: 80, hours: 6});
		// Two inputs: visitors go on from the first into the second (the worker gives its evidence back to the run).
		const dir = tempDir();
		const half = Math.floor(traffic.lines.length / 2);
		const files = [writeLog(traffic.lines.slice(0, half), 'a.log', dir), writeLog(traffic.lines.slice(half), 'b.log', dir)];
		const args = files;
		const thread = await importWith('never', args);
		const worker = await importWith('always', args);
		assert.deepEqual(thread.inWorker, [false, false]);
		assert.deepEqual(worker.inWorker, [true, true], 'behavior keeps the parse worker');
		assert.ok(thread.requests.length > 0);
		assert.deepEqual(worker.requests, thread.requests);
		assert.deepEqual(worker.result.state.bots, thread.result.state.bots);
		const {counters} = worker.result.state;
		assert.equal(counters.hitsRecorded, thread.result.state.counters.hitsRecorded);
		assert.equal(counters.skipped.bot, thread.result.state.counters.skipped.bot);
		assert.ok(worker.result.state.bots!.visitors > 10);
	});
}

test("a dry run counts the same in a worker and in the run's thread, with the levels each would leave out", async () => {
	const traffic = generateTraffic(8, {humans: 200, bots: 60, hours: 4});
	const log = writeLog(traffic.lines);
	const dry = ['--idsite=1', '--dry-run', '--bot-detection=behavior', log];
	const thread = await runImport(dry, {parseWorker: 'never'});
	const worker = await runImport(dry, {parseWorker: 'always'});
	assert.equal(worker.state.inputs[0]!.parsedInWorker, true);
	assert.deepEqual(worker.state.bots, thread.state.bots);
	assert.ok(thread.state.bots!.levels.modern > 0);
	assert.equal(worker.state.counters.hitsRecorded, thread.state.counters.hitsRecorded);
	assert.equal(worker.state.counters.skipped.bot, thread.state.counters.skipped.bot);
});
