/**
 * Report parity on a real Matomo: the reports after our import equal the reports after the reference's requests.
 *
 * For conformance logs, the reference is what import_logs.py sent (../shared/conformance/expected/<case>.jsonl), replayed
 * as it sent it: in its order, in bulk requests of 200 one after another. For a generated log (no recorded reference),
 * the reference is the requests our CLI builds for it (recorded by the Matomo test double; their content is what the
 * conformance suite holds to import_logs.py's), put back in the log's order line by line and replayed the same way:
 * what one importer sending in log order gives, independent of how our recorders deliver. (Sending them one hit per
 * request takes minutes on a real Matomo and gives the same visits.) Each import goes into a fresh site; the reports
 * are period=range reports over the log's days, computed by Matomo when asked.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {acquireMatomo, addSite, dateRange, readRecorded, readReports, replayRequests, SHARED, type Matomo, type Reports} from './real-matomo/matomo.js';
import {runCli} from './real-matomo/cli.js';
import {accessLog, requestKey, type GeneratedLog} from './real-matomo/generated-log.js';
import {tempDir} from './helpers.js';
import {startMatomoDouble} from './matomo-double.js';

const found = await acquireMatomo();

interface Case {
	name: string;
	args: string[];
	log: string;
}

/** Conformance cases of different formats and options, single-site (`--idsite=1`), small enough for CI. */
const CASES = ['edge-all', 'edge-vhost-default', 'caddy-json-all', 'w3c-map-field'];

/** The options of a case with its site replaced by `idSite`. */
function withSite(args: readonly string[], idSite: number): string[] {
	return args.map(arg => (arg === '--idsite=1' ? `--idsite=${idSite}` : arg));
}

async function importWithCli(matomo: Matomo, label: string, args: readonly string[], log: string, range: string): Promise<Reports> {
	const idSite = await addSite(matomo, label);
	const result = await runCli(matomo, [...withSite(args, idSite), log]);
	assert.equal(result.code, 0, `${label}: exit ${result.code}\n${result.stderr.slice(-2000)}`);
	return readReports(matomo, idSite, range);
}

/** Our CLI's requests for a generated log, in the log's order (one per line). */
async function requestsInLogOrder(generated: GeneratedLog, args: readonly string[], log: string): Promise<Array<Record<string, string>>> {
	const token = 'double-token';
	const double = await startMatomoDouble({token});
	try {
		const result = await runCli({url: double.url.endsWith('/') ? double.url : double.url + '/', token, async stop() {}}, [...args, '--recorders=4', log]);
		assert.equal(result.code, 0, result.stderr.slice(-2000));
		const line = new Map(generated.keys.map((key, index) => [key, index]));
		const ordered: Array<Record<string, string>> = [];
		for (const hit of double.received) {
			const index = line.get(requestKey(hit.params));
			assert.ok(index !== undefined && ordered[index] === undefined, `one request per line: ${requestKey(hit.params)}`);
			ordered[index] = hit.params;
		}

		assert.equal(Object.keys(ordered).length, generated.lines, 'a request for every line');
		return ordered;
	} finally {
		await double.close();
	}
}

/** Equal reports, or a failure that names the import and shows only the reports that differ. */
function assertSameReports(actual: Reports, expected: Reports, label: string): void {
	const differing = (Object.keys(expected) as Array<keyof Reports>).filter(name => JSON.stringify(actual[name]) !== JSON.stringify(expected[name]));
	const shown = differing.map(
		name => `${name}: ours ${JSON.stringify(actual[name]).slice(0, 400)}\n  reference ${JSON.stringify(expected[name]).slice(0, 400)}`,
	);
	assert.deepEqual(differing, [], `${label}: reports differ from the reference's\n${shown.join('\n')}`);
}

if (found.matomo === undefined) {
	test(found.skip, {skip: true}, () => {});
} else {
	const matomo = found.matomo;
	after(async () => matomo.stop());

	describe("real Matomo: reports after our import equal the reference's", () => {
		const cases = (JSON.parse(fs.readFileSync(path.join(SHARED, 'conformance', 'cases.json'), 'utf8')) as Case[]).filter(entry => CASES.includes(entry.name));
		assert.equal(cases.length, CASES.length, 'every chosen case is in cases.json');

		for (const entry of cases) {
			test(`${entry.name}: import_logs.py's requests, ours with --recorders=1 and --recorders=4`, async () => {
				assert.ok(entry.args.includes('--idsite=1'), 'a single-site case');
				const requests = readRecorded(path.join(SHARED, 'conformance', 'expected', `${entry.name}.jsonl`));
				const range = dateRange(requests);
				const log = path.join(SHARED, 'conformance', 'logs', entry.log);
				// One import at a time: concurrent imports of the same days deadlock inside Matomo (see real-matomo/matomo.ts).
				const idSite = await addSite(matomo, `${entry.name} reference`);
				const sent = await replayRequests(matomo, requests, idSite);
				assert.equal(sent.tracked, requests.length, 'Matomo tracked every reference request');
				const reference = await readReports(matomo, idSite, range);
				const one = await importWithCli(matomo, `${entry.name} r1`, [...entry.args, '--recorders=1'], log, range);
				const four = await importWithCli(matomo, `${entry.name} r4`, [...entry.args, '--recorders=4'], log, range);
				assert.ok(reference.visits.nb_actions > 0, 'the reference tracked actions');
				assertSameReports(one, reference, '--recorders=1');
				assertSameReports(four, reference, '--recorders=4');
			});
		}

		test('a generated log (user ids on several IPs, downloads, redirects, errors, bots): in log order, ours with --recorders=1 and --recorders=4', async () => {
			const generated = accessLog(200);
			const log = path.join(tempDir('mli-e2e-log-'), 'access.log');
			fs.writeFileSync(log, generated.text);
			const args = ['--idsite=1', '--enable-static', '--enable-bots', '--enable-http-errors', '--enable-http-redirects'];
			const requests = await requestsInLogOrder(generated, args, log);
			const idSite = await addSite(matomo, 'generated reference');
			assert.equal((await replayRequests(matomo, requests, idSite)).tracked, generated.lines);
			const reference = await readReports(matomo, idSite, generated.range);
			const one = await importWithCli(matomo, 'generated r1', [...args, '--recorders=1'], log, generated.range);
			const four = await importWithCli(matomo, 'generated r4', [...args, '--recorders=4'], log, generated.range);
			assert.equal(reference.visits.nb_actions, generated.lines, 'every line is an action');
			assert.ok(Object.keys(reference.downloads).length > 0 && reference.referrerTypes['Search Engines'], 'downloads and referrers tracked');
			assertSameReports(one, reference, '--recorders=1');
			assertSameReports(four, reference, '--recorders=4');
		});
	});
}
