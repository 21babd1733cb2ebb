/** Parse workers end before the process does (a thread running at process.exit can crash in its teardown). */
import assert from 'node:assert/strict';
import test from 'node:test';
import {startParseWorker, stopParseWorkers} from '../source/parse/parsed-source.js';

test('stopParseWorkers ends every parse worker started, idle or not', async () => {
	const workers = [startParseWorker(), startParseWorker()];
	const exits = workers.map(async worker => new Promise<number>(resolve => worker.once('exit', resolve)));
	await stopParseWorkers();
	assert.equal((await Promise.all(exits)).length, 2);
	// Nothing left to end: a second call returns at once.
	await stopParseWorkers();
});
