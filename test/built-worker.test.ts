/**
 * The parse worker as the installed program starts it: the built parse-worker.js (under tsx the tests otherwise
 * start the .ts source through an eval'd loader). `npm test` builds first (pretest). Counts and invalid samples must
 * be the same as the run's own thread gives.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import test from 'node:test';
import type * as ImportRunModule from '../source/run/import-run.js';
import {ImportRun} from '../source/run/import-run.js';
import {combinedLine, configFrom, writeLog} from './helpers.js';
import {seededRandom} from './seeded-random.js';

const built = path.resolve(import.meta.dirname, '../dist/source/run/import-run.js');

test("the built program parses a big input in its worker, counting as the run's own thread does", {
	skip: fs.existsSync(built) ? false : 'not built (npm run build)',
}, async () => {
	const random = seededRandom(7);
	const lines: string[] = [];
	for (let i = 0; i < 2000; i++) {
		const roll = random();
		if (roll < 0.03) lines.push(`garbage line ${i}`);
		else
			lines.push(
				combinedLine({
					path: roll < 0.1 ? `/static/${i}.png` : `/page/${i}`,
					status: roll < 0.15 ? 404 : 200,
					ip: `10.0.${i % 7}.${i % 250}`,
				}),
			);
	}

	const file = writeLog(lines);
	const args = ['--dry-run', '--idsite=1', file];
	const {ImportRun: BuiltImportRun} = (await import(pathToFileURL(built).href)) as typeof ImportRunModule;
	const inWorker = await new BuiltImportRun(configFrom(args), {parseWorker: 'always', shareParsing: false}).run();
	const inThread = await new ImportRun(configFrom(args), {parseWorker: 'never'}).run();
	assert.equal(inWorker.state.inputs[0]!.parsedInWorker, true, 'parsed in the built worker');
	assert.equal(inThread.state.inputs[0]!.parsedInWorker, false);
	assert.equal(inWorker.exitCode, 0);
	assert.deepEqual(inWorker.state.counters, inThread.state.counters);
	const samples = (state: typeof inWorker.state) => state.invalidSamples.map(sample => [sample.lineNumber, sample.reason, sample.line]);
	assert.deepEqual(samples(inWorker.state), samples(inThread.state));
});
