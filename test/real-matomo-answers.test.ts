/**
 * What a real Matomo answers, and what the CLI makes of it: listening time from an Icecast log (the summary's figures
 * equal Matomo's reports), a bad token, a token without write access, --add-sites-new-hosts creating sites, and
 * BulkTracking switched off: each gives the message the readme promises.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {acquireMatomo, addSite, api, matomoConsole, readReports, type Matomo} from './real-matomo/matomo.js';
import {runCli} from './real-matomo/cli.js';
import {clfDate, icecastLog} from './real-matomo/generated-log.js';
import {tempDir} from './helpers.js';

const found = await acquireMatomo();

function writeLog(text: string, name = 'access.log'): string {
	const file = path.join(tempDir('mli-e2e-log-'), name);
	fs.writeFileSync(file, text);
	return file;
}

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
const AT = Date.UTC(2025, 5, 2, 8) / 1000;
const onePageView = () => writeLog(`198.51.100.7 - - [${clfDate(AT)}] "GET /hello HTTP/1.1" 200 1000 "-" "${UA}"\n`);

/** Whether bulk tracking answers as it does when the BulkTracking plugin is off (HTTP 400). */
async function bulkStatus(matomo: Matomo): Promise<number> {
	const response = await fetch(`${matomo.url}matomo.php`, {method: 'POST', body: JSON.stringify({requests: [], token_auth: matomo.token})});
	await response.text();
	return response.status;
}

if (found.matomo === undefined) {
	test(found.skip, {skip: true}, () => {});
} else {
	const matomo = found.matomo;
	after(async () => matomo.stop());

	describe('real Matomo: listening time', () => {
		test('events = listens, summed event value = seconds listened, visits = distinct listeners; the summary says the same', async () => {
			const radio = icecastLog(40);
			const idSite = await addSite(matomo, 'radio');
			const result = await runCli(matomo, [`--idsite=${idSite}`, '--log-format-name=icecast2', '--track-listening-time', writeLog(radio.text)]);
			assert.equal(result.code, 0, result.stderr.slice(-2000));
			const reports = await readReports(matomo, idSite, radio.range);
			const listening = reports.eventCategories.Listening;
			assert.ok(listening, `a Listening event category: ${JSON.stringify(reports.eventCategories)}`);
			assert.equal(listening.events, radio.listens);
			assert.equal(listening.value, radio.seconds);
			assert.equal(reports.visits.nb_visits, radio.listeners);
			const total = result.summary!.listening.total;
			assert.equal(total.listeners, listening.events, "the summary's listeners are Matomo's events");
			assert.equal(total.totalSeconds, listening.value, "the summary's seconds are Matomo's summed event value");
		});
	});

	describe('real Matomo: its answers, and our messages', () => {
		test('a bad token: exit 1, a message about the token (not about HTTP basic auth)', async () => {
			const result = await runCli(matomo, ['--idsite=1', onePageView()], {token: '0123456789abcdef0123456789abcdef'});
			assert.equal(result.code, 1, result.stderr);
			assert.match(result.stderr, /token/i);
			assert.doesNotMatch(result.stderr, /auth-user|auth-password/, 'Matomo answered, about the token');
		});

		test('a token with view access only: refused before sending, with what to do', async () => {
			const login = `mliview${process.pid}${Date.now() % 100_000}`;
			const password = `view-${login}-password`;
			const idSite = await addSite(matomo, 'view only');
			await api(matomo, 'UsersManager.addUser', {userLogin: login, password, email: `${login}@example.com`});
			try {
				await api(matomo, 'UsersManager.setUserAccess', {userLogin: login, access: 'view', idSites: idSite});
				const {value: token} = await api<{value: string}>(matomo, 'UsersManager.createAppSpecificTokenAuth', {
					userLogin: login,
					passwordConfirmation: password,
					description: 'matomo-log-import e2e',
				});
				const result = await runCli(matomo, [`--idsite=${idSite}`, onePageView()], {token});
				assert.equal(result.code, 1, result.stderr);
				assert.match(result.stderr, /cannot write/);
				assert.match(result.stderr, /write \(or admin\) access/);
				const stored = await api<Array<unknown>>(matomo, 'Live.getLastVisitsDetails', {idSite, period: 'range', date: '2000-01-01,today'});
				assert.equal(stored.length, 0, 'nothing was sent');
			} finally {
				await api(matomo, 'UsersManager.deleteUser', {userLogin: login});
			}
		});

		test('--add-sites-new-hosts creates a site per new host', async () => {
			const hosts = [`a-${process.pid}-${Date.now()}.e2e.example.org`, `b-${process.pid}-${Date.now()}.e2e.example.org`];
			const log = writeLog(
				hosts.map((host, i) => `${host} 198.51.100.${i + 1} - - [${clfDate(AT + i)}] "GET /p HTTP/1.1" 200 10 "-" "${UA}"`).join('\n') + '\n',
				'vhost.log',
			);
			const result = await runCli(matomo, ['--add-sites-new-hosts', '--log-format-name=common_vhost', log]);
			assert.equal(result.code, 0, result.stderr.slice(-2000));
			const created = result.summary!.sites.created as Array<{host: string; id: number}>;
			assert.deepEqual(created.map(site => site.host).sort(), [...hosts].sort());
			for (const site of created) {
				const ids = await api<Array<{idsite: string | number}>>(matomo, 'SitesManager.getSitesIdFromSiteUrl', {url: `http://${site.host}`});
				assert.deepEqual(
					ids.map(row => Number(row.idsite)),
					[Number(site.id)],
					`Matomo knows ${site.host} as site ${site.id}`,
				);
			}
			assert.equal(result.summary!.imported, 2);
		});

		test('no token on the Matomo server: --config gets a temporary one from updatetoken.php, never printed', {
			skip: matomo.dir ? false : "runs Matomo's PHP: needs a Matomo the tests started",
		}, async () => {
			const idSite = await addSite(matomo, 'config token');
			const result = await runCli(matomo, [`--idsite=${idSite}`, `--config=${path.join(matomo.dir!, 'matomo', 'config', 'config.ini.php')}`, onePageView()], {
				token: null,
			});
			assert.equal(result.code, 0, result.stderr.slice(-2000));
			assert.equal(result.summary!.imported, 1);
			const visits = await api<Array<unknown>>(matomo, 'Live.getLastVisitsDetails', {idSite, period: 'range', date: '2000-01-01,today'});
			assert.equal(visits.length, 1, 'Matomo stored the hit');
			assert.doesNotMatch(result.stdout + result.stderr, /\b[0-9a-f]{32}\b/, 'no token in the output');
		});

		test('BulkTracking switched off: exit 1 and the message says so', {
			skip: matomo.dir ? false : 'switches a plugin off: needs a Matomo the tests started',
		}, async () => {
			const plugin = path.join(matomo.dir!, 'matomo', 'plugins', 'BulkTracking');
			const aside = path.join(matomo.dir!, 'BulkTracking.off');
			await matomoConsole(matomo, ['plugin:deactivate', 'BulkTracking']);
			// Matomo 5.0.2 keeps its bundled BulkTracking on after plugin:deactivate when the config lists it among the
			// defaults; without its files, Matomo answers a bulk request as it does with the plugin off.
			const movedAside = (await bulkStatus(matomo)) !== 400;
			if (movedAside) fs.renameSync(plugin, aside);
			try {
				assert.equal(await bulkStatus(matomo), 400, 'Matomo answers bulk requests with 400');
				const result = await runCli(matomo, ['--idsite=1', '--retry-delay=0.1', onePageView()]);
				assert.equal(result.code, 1, result.stderr);
				assert.match(result.stderr, /BulkTracking plugin/);
			} finally {
				if (movedAside) fs.renameSync(aside, plugin);
				await matomoConsole(matomo, ['plugin:activate', 'BulkTracking']);
			}
			assert.equal(await bulkStatus(matomo), 200);
		});
	});
}
