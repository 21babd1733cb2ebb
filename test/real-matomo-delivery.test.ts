/**
 * Exactly once on a real Matomo with its default settings (`bulk_requests_use_transaction = 1`): a database failure
 * in the middle of a bulk request, Matomo's web server stopped and started again during an import, the importer
 * killed with SIGKILL and run again. Each counts what Matomo stored (its log tables) against what the log holds.
 * The failure and the restart need a Matomo the tests started (its database and its web server).
 */
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {acquireMatomo, addSite, primeDay, sql, storedCounts, type Matomo} from './real-matomo/matomo.js';
import {runCli, spawnCli} from './real-matomo/cli.js';
import {clfDate} from './real-matomo/generated-log.js';
import {tempDir} from './helpers.js';

const found = await acquireMatomo();

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
const START = Date.UTC(2025, 5, 2, 8) / 1000;
const DAY = '2025-06-02';

/** `count` page views, each its own second and path (so a doubled one shows), from `visitors` IPs. */
function pageViews(count: number, visitors = 10): string {
	const lines: string[] = [];
	for (let i = 0; i < count; i++) lines.push(`198.51.100.${1 + (i % visitors)} - - [${clfDate(START + i)}] "GET /page/${i} HTTP/1.1" 200 1000 "-" "${UA}"`);
	return lines.join('\n') + '\n';
}

function writeLog(text: string): string {
	const file = path.join(tempDir('mli-e2e-log-'), 'access.log');
	fs.writeFileSync(file, text);
	return file;
}

/**
 * Actions Matomo stored for a site, and how many distinct (time, page) pairs they are: equal when none is doubled;
 * less `primed` (the priming hits of primeDay).
 */
function storedActions(matomo: Matomo, idSite: number, primed = 0): {actions: number; distinct: number} {
	const [actions, distinct] = sql(matomo, `SELECT COUNT(*), COUNT(DISTINCT server_time, idaction_url) FROM matomo_log_link_visit_action WHERE idsite=${idSite}`)
		.trim()
		.split('\t')
		.map(Number);
	return {actions: actions! - primed, distinct: distinct! - primed};
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, child?: ChildProcess): Promise<T> {
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (child && child.exitCode !== null) throw new Error(`the importer exited (${child.exitCode}) before ${what}`);
		await new Promise(resolve => setImmediate(resolve));
		await new Promise(resolve => setTimeout(resolve, 50));
	}
}

if (found.matomo === undefined) {
	test(found.skip, {skip: true}, () => {});
} else {
	const matomo = found.matomo;
	after(async () => matomo.stop());
	const owned = matomo.dir ? false : 'needs the database and web server of a Matomo the tests started (../shared/matomo/start)';

	describe('real Matomo: exactly once', () => {
		test("a database failure in the middle of a bulk request (Matomo's defaults roll the batch back): every hit stored once", {
			skip: owned,
		}, async () => {
			const idSite = await addSite(matomo, 'db failure');
			// The counter lives in a non-transactional table, so the rollback does not undo it: the 11th insert fails once.
			sql(
				matomo,
				`DROP TRIGGER IF EXISTS mli_fail_once; DROP TABLE IF EXISTS mli_fail;
				CREATE TABLE mli_fail (n INT NOT NULL) ENGINE=Aria; INSERT INTO mli_fail VALUES (0);
				DELIMITER //
				CREATE TRIGGER mli_fail_once BEFORE INSERT ON matomo_log_link_visit_action FOR EACH ROW BEGIN
					IF NEW.idsite = ${idSite} THEN
						UPDATE mli_fail SET n = n + 1;
						IF (SELECT n FROM mli_fail) = 11 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF;
					END IF;
				END //`,
			);
			try {
				const result = await runCli(matomo, [
					`--idsite=${idSite}`,
					'--recorders=1',
					'--recorder-max-payload-size=20',
					'--retry-delay=0.1',
					writeLog(pageViews(40)),
				]);
				assert.equal(result.code, 0, result.stderr.slice(-2000));
				assert.equal(Number(sql(matomo, 'SELECT n FROM mli_fail').trim()) > 11, true, 'the failure was injected');
				assert.ok(result.summary!.retries >= 1, 'the failed batch was sent again');
				assert.deepEqual(storedActions(matomo, idSite), {actions: 40, distinct: 40});
			} finally {
				sql(matomo, 'DROP TRIGGER IF EXISTS mli_fail_once; DROP TABLE IF EXISTS mli_fail');
			}
		});

		test("Matomo's web server stopped and started again during an import: nothing lost, duplicates within the readme's bound", {
			skip: owned,
		}, async () => {
			const idSite = await addSite(matomo, 'server restart');
			await primeDay(matomo, idSite, DAY);
			const lines = 1500;
			const recorders = 2;
			const batch = 50;
			const state = path.join(tempDir('mli-e2e-state-'), 'state.json');
			const child = spawnCli(
				matomo,
				[
					`--idsite=${idSite}`,
					`--recorders=${recorders}`,
					`--recorder-max-payload-size=${batch}`,
					'--retry-delay=0.2',
					'--retry-max-attempts=0',
					writeLog(pageViews(lines, 40)),
				],
				state,
			);
			let stderr = '';
			child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
			const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
			// Stop the web server once Matomo holds some of the import, and start it again the way ./start does.
			await waitFor('Matomo stored hits', async () => ((await storedCounts(matomo, idSite)).actions >= 201 ? true : undefined), child);
			const restarted = await restartWebServer(matomo);
			try {
				assert.equal(await exited, 0, stderr.slice(-2000));
			} finally {
				restarted.unref();
			}

			const stored = storedActions(matomo, idSite, 1);
			assert.equal(stored.distinct, lines, 'every line stored');
			// The readme: a request whose connection broke after Matomo had processed it is resent whole, at most
			// one batch per such request; the stop breaks at most the requests in flight, one per recorder.
			assert.ok(stored.actions - lines <= recorders * batch, `${stored.actions - lines} duplicates`);
		});

		test("the importer killed with SIGKILL and run again with the same state file: nothing lost, duplicates within the readme's bound", async () => {
			const idSite = await addSite(matomo, 'sigkill');
			await primeDay(matomo, idSite, DAY);
			const lines = 1500;
			const recorders = 2;
			const batch = 50;
			const log = writeLog(pageViews(lines, 40));
			const state = path.join(tempDir('mli-e2e-state-'), 'state.json');
			const args = [`--idsite=${idSite}`, `--recorders=${recorders}`, `--recorder-max-payload-size=${batch}`, log];
			const child = spawnCli(matomo, args, state);
			const exited = new Promise(resolve => child.on('exit', resolve));
			await waitFor('a checkpoint was saved', () => (fs.existsSync(state) && fs.readFileSync(state, 'utf8').length > 0 ? true : undefined), child);
			await waitFor('Matomo stored hits', async () => ((await storedCounts(matomo, idSite)).actions >= 300 ? true : undefined), child);
			child.kill('SIGKILL');
			await exited;
			const again = await runCli(matomo, args, {stateFile: state});
			assert.equal(again.code, 0, again.stderr.slice(-2000));
			assert.ok(again.summary!.skipped.alreadyImported > 0, 'the second run resumed from the checkpoint');
			const stored = matomo.dir ? storedActions(matomo, idSite, 1) : {actions: (await storedCounts(matomo, idSite)).actions - 1, distinct: lines};
			assert.equal(stored.distinct, lines, 'every line stored');
			// The readme: the requests in flight (one per recorder) and what was acknowledged since the last save
			// (about two batches per recorder in all).
			assert.ok(stored.actions - lines <= 2 * recorders * batch, `${stored.actions - lines} duplicates`);
		});
	});
}

/** Stop PHP's built-in server of a Matomo the tests started and start it again on the same port, as ./start does. */
async function restartWebServer(matomo: Matomo): Promise<ChildProcess> {
	const dir = matomo.dir!;
	const pid = Number(fs.readFileSync(path.join(dir, 'php.pid'), 'utf8'));
	const port = new URL(matomo.url).port;
	// The built-in server's workers are its children: they would keep answering without it.
	const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
	for (const worker of [...children, pid]) {
		try {
			process.kill(worker, 'SIGTERM');
		} catch {}
	}

	await waitFor('the web server stopped', async () => ((await answers(matomo)) ? undefined : true));
	const server = spawn(
		'php',
		[
			'-d',
			'memory_limit=512M',
			'-d',
			'max_execution_time=0',
			'-d',
			'display_errors=0',
			'-d',
			'log_errors=1',
			'-S',
			`127.0.0.1:${port}`,
			'-t',
			path.join(dir, 'matomo'),
		],
		{
			cwd: path.join(dir, 'matomo'),
			env: {...process.env, PHP_CLI_SERVER_WORKERS: process.env.MATOMO_PHP_WORKERS ?? '8'},
			stdio: ['ignore', fs.openSync(path.join(dir, 'php.log'), 'a'), fs.openSync(path.join(dir, 'php.log'), 'a')],
			detached: true,
		},
	);
	fs.writeFileSync(path.join(dir, 'php.pid'), String(server.pid));
	await waitFor('the web server answers again', async () => ((await answers(matomo)) ? true : undefined));
	return server;
}

async function answers(matomo: Matomo): Promise<boolean> {
	try {
		const response = await fetch(`${matomo.url}index.php?module=API&method=API.getMatomoVersion&format=json`, {
			method: 'POST',
			body: new URLSearchParams({token_auth: matomo.token}),
			signal: AbortSignal.timeout(5000),
		});
		return (await response.text()).includes('"value"');
	} catch {
		return false;
	}
}
