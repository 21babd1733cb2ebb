/**
 * A real Matomo for the end-to-end tests: the one given by MATOMO_URL + MATOMO_TOKEN (a user's own, e.g. the official
 * Docker image), else one started by ../shared/matomo/start in a temporary folder (CI), else none, with the reason.
 * Plus the Reporting and Tracking API calls the tests need. Each comparison tracks into a fresh site, so the tests
 * need no reset and leave a user's other sites alone.
 */
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = path.resolve(ROOT, '..', 'shared');
const START = path.join(SHARED, 'matomo', 'start');
const STOP = path.join(SHARED, 'matomo', 'stop');

export const HOW_TO_RUN =
	'set MATOMO_URL and MATOMO_TOKEN (a super-user token of a Matomo the tests may add sites to, e.g. the official Docker image; see the readme, "Testing against your own Matomo") and run npm test again';

export interface Matomo {
	url: string;
	token: string;
	/** The folder of a Matomo this process started (its database, PHP server and console are ours to use). */
	dir?: string;
	stop(): Promise<void>;
}

export type Acquired = {matomo: Matomo; skip?: undefined} | {matomo?: undefined; skip: string};

/** The Matomo of this test file, or why there is none (for one skip line that says how to run the tests). */
export async function acquireMatomo(): Promise<Acquired> {
	const url = process.env.MATOMO_URL;
	const token = process.env.MATOMO_TOKEN;
	if (url && token) {
		// Test files run in parallel; imports into one Matomo at once can deadlock inside it (see replayRequests).
		const release = await exclusive(url);
		return {
			matomo: {
				url: withSlash(url),
				token,
				dir: process.env.MATOMO_DIR || undefined,
				async stop() {
					release();
				},
			},
		};
	}

	if (!fs.existsSync(START))
		return {skip: `real-Matomo tests skipped: no Matomo (MATOMO_URL/MATOMO_TOKEN not set, ${START} not found); to run them, ${HOW_TO_RUN}`};
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mli-matomo-'));
	const started = await runCommand(START, [dir]);
	if (started.code !== 0) {
		return {
			skip: `real-Matomo tests skipped: ${START} failed (exit ${started.code}): ${started.stderr.trim().split('\n').slice(-3).join(' / ')}`,
		};
	}

	const env = Object.fromEntries(
		fs
			.readFileSync(path.join(dir, 'env'), 'utf8')
			.split('\n')
			.map(line => /^export (\w+)=(.*)$/.exec(line))
			.filter(m => m !== null)
			.map(m => [m[1]!, m[2]!]),
	);
	return {
		matomo: {
			url: withSlash(env.MATOMO_URL!),
			token: env.MATOMO_TOKEN!,
			dir,
			async stop() {
				await runCommand(STOP, [dir]);
			},
		},
	};
}

/** One test file at a time per Matomo, across processes: a lock directory holding the owner's pid. */
async function exclusive(url: string): Promise<() => void> {
	const lock = path.join(os.tmpdir(), `mli-e2e-lock-${Buffer.from(url).toString('hex').slice(0, 60)}`);
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
			return () => fs.rmSync(lock, {recursive: true, force: true});
		} catch {
			let owner = NaN;
			try {
				owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
			} catch {}
			if (Number.isInteger(owner) && !alive(owner)) fs.rmSync(lock, {recursive: true, force: true});
			await new Promise(resolve => setTimeout(resolve, 200));
		}
	}
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

function withSlash(url: string): string {
	return url.endsWith('/') ? url : url + '/';
}

export interface CommandResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

export async function runCommand(
	command: string,
	args: readonly string[],
	options: {env?: NodeJS.ProcessEnv; cwd?: string; input?: string} = {},
): Promise<CommandResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		child.on('error', reject);
		child.on('close', (code, signal) => resolve({code, signal, stdout, stderr}));
		child.stdin.end(options.input ?? '');
	});
}

/** A Reporting API call (POST, the token in the body); throws Matomo's message on an error answer. */
export async function api<T = unknown>(
	matomo: Matomo,
	method: string,
	params: Record<string, string | number | readonly string[]> = {},
	token = matomo.token,
): Promise<T> {
	const body = new URLSearchParams({module: 'API', method, format: 'json', token_auth: token});
	for (const [name, value] of Object.entries(params)) {
		if (Array.isArray(value)) for (const item of value) body.append(`${name}[]`, item);
		else body.set(name, String(value));
	}

	const response = await fetch(`${matomo.url}index.php`, {method: 'POST', body});
	const text = await response.text();
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw new Error(`${method}: HTTP ${response.status}, not JSON: ${text.slice(0, 300)}`);
	}

	if (parsed && typeof parsed === 'object' && (parsed as {result?: string}).result === 'error') {
		throw new Error(`${method}: ${(parsed as {message?: string}).message}`);
	}

	return parsed as T;
}

let sites = 0;

/** A fresh site in UTC, created long ago (so hits of any date are kept), for one comparison. */
export async function addSite(matomo: Matomo, name: string, urls: readonly string[] = ['http://example.com']): Promise<number> {
	const answer = await api<{value: number} | number>(matomo, 'SitesManager.addSite', {
		siteName: `mli-e2e ${name} ${process.pid}-${++sites}`,
		urls,
		timezone: 'UTC',
		startDate: '2000-01-01',
		ecommerce: 0,
	});
	const id = typeof answer === 'number' ? answer : Number(answer.value);
	if (!(id > 0)) throw new Error(`SitesManager.addSite answered ${JSON.stringify(answer)}`);
	return id;
}

/** One tracking request as recorded by the conformance suite: its parameters. */
export type TrackingParams = Record<string, string | number>;

export function readRecorded(file: string): TrackingParams[] {
	return fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => (JSON.parse(line) as {p: TrackingParams}).p);
}

/**
 * Note on concurrency: Matomo 5.0.2 creates a per-site, per-day fingerprint salt (an option row) on the first hit of
 * a day, inside the bulk request's transaction; two transactions doing that at once can deadlock, and Option::set
 * swallows the error after InnoDB rolled the transaction back: the hits before it are lost, the rest are kept outside
 * any transaction and the answer is HTTP 500 with `tracked` = all. So the tests run one import at a time.
 *
 * Send requests as they are, in their order, in bulk requests of `batch` hits one after another (what import_logs.py
 * does with one recorder), with the site rewritten. Returns what Matomo said it tracked.
 */
export async function replayRequests(
	matomo: Matomo,
	requests: readonly TrackingParams[],
	idSite: number,
	batch = 200,
): Promise<{tracked: number; invalid: number}> {
	let tracked = 0;
	let invalid = 0;
	for (let start = 0; start < requests.length; start += batch) {
		const chunk = requests.slice(start, start + batch).map(params => {
			const query = new URLSearchParams();
			for (const [name, value] of Object.entries(params)) query.set(name, name === 'idsite' ? String(idSite) : String(value));
			if (!('idsite' in params)) query.set('idsite', String(idSite));
			return '?' + query.toString();
		});
		const response = await fetch(`${matomo.url}matomo.php`, {
			method: 'POST',
			body: JSON.stringify({requests: chunk, token_auth: matomo.token}),
		});
		const text = await response.text();
		if (response.status !== 200) throw new Error(`bulk request: HTTP ${response.status}: ${text.slice(0, 300)}`);
		const answer = JSON.parse(text) as {tracked: number; invalid: number};
		tracked += answer.tracked;
		invalid += answer.invalid;
	}

	return {tracked, invalid};
}

/**
 * One page view on `day` (YYYY-MM-DD) at 00:00:00, alone: Matomo then creates the site's fingerprint salt for that day,
 * so concurrent bulk requests of that day do not race to create it (see the note above). For tests about the
 * importer's delivery, not about that race; it adds one visit and one action.
 */
export async function primeDay(matomo: Matomo, idSite: number, day: string): Promise<void> {
	const answer = await replayRequests(
		matomo,
		[{rec: 1, apiv: 1, url: 'http://example.com/prime-the-day', cip: '192.0.2.250', cdt: `${day} 00:00:00`, ua: 'prime'}],
		idSite,
	);
	if (answer.tracked !== 1) throw new Error(`the priming hit was not tracked: ${JSON.stringify(answer)}`);
}

/** The days a set of requests covers, as a Reporting API range (`cdt` is UTC, as are the test sites). */
export function dateRange(requests: readonly TrackingParams[]): string {
	const days = requests
		.map(params => String(params.cdt ?? '').slice(0, 10))
		.filter(day => /^\d{4}-\d\d-\d\d$/.test(day))
		.sort();
	if (days.length === 0) throw new Error('no cdt in the requests');
	return `${days[0]},${days.at(-1)}`;
}

export interface Reports {
	visits: {nb_visits: number; nb_actions: number; bounce_count: number; sum_visit_length: number};
	pages: Record<string, {hits: number; visits: number}>;
	downloads: Record<string, {hits: number; visits: number}>;
	referrerTypes: Record<string, {visits: number; actions: number}>;
	eventCategories: Record<string, {events: number; value: number; visits: number}>;
	eventActions: Record<string, {events: number; value: number; visits: number}>;
}

type Row = Record<string, unknown> & {label: string};

/**
 * The reports of a site over `range` (YYYY-MM-DD,YYYY-MM-DD). Matomo computes period=range reports when asked
 * (browser-triggered archiving of the days inside, which the test Matomo allows), from everything tracked so far:
 * each comparison reads a fresh site once its import has finished, so no archive predates the hits.
 */
export async function readReports(matomo: Matomo, idSite: number, range: string): Promise<Reports> {
	const common = {idSite, period: 'range', date: range, filter_limit: -1};
	const [summary, pages, downloads, referrers, categories, actions] = await Promise.all([
		api<Record<string, number>>(matomo, 'VisitsSummary.get', common),
		api<Row[]>(matomo, 'Actions.getPageUrls', {...common, flat: 1}),
		api<Row[]>(matomo, 'Actions.getDownloads', {...common, flat: 1}),
		api<Row[]>(matomo, 'Referrers.getReferrerType', common),
		api<Row[]>(matomo, 'Events.getCategory', common),
		api<Row[]>(matomo, 'Events.getAction', common),
	]);
	const byLabel = <T>(rows: Row[], pick: (row: Row) => T): Record<string, T> => {
		const out: Record<string, T> = {};
		for (const row of [...rows].sort((a, b) => a.label.localeCompare(b.label))) out[row.label] = pick(row);
		return out;
	};

	const n = (value: unknown) => Number(value ?? 0);
	const events = (row: Row) => ({events: n(row.nb_events), value: n(row.sum_event_value), visits: n(row.nb_visits)});
	return {
		visits: {
			nb_visits: n(summary.nb_visits),
			nb_actions: n(summary.nb_actions),
			bounce_count: n(summary.bounce_count),
			sum_visit_length: n(summary.sum_visit_length),
		},
		pages: byLabel(pages, row => ({hits: n(row.nb_hits), visits: n(row.nb_visits)})),
		downloads: byLabel(downloads, row => ({hits: n(row.nb_hits), visits: n(row.nb_visits)})),
		referrerTypes: byLabel(referrers, row => ({visits: n(row.nb_visits), actions: n(row.nb_actions)})),
		eventCategories: byLabel(categories, events),
		eventActions: byLabel(actions, events),
	};
}

/** Rows Matomo stored for a site (raw log data, no archiving): visits and actions. */
export async function storedCounts(matomo: Matomo, idSite: number): Promise<{visits: number; actions: number}> {
	if (matomo.dir) {
		const out = sql(
			matomo,
			`SELECT (SELECT COUNT(*) FROM matomo_log_visit WHERE idsite=${idSite}), (SELECT COUNT(*) FROM matomo_log_link_visit_action WHERE idsite=${idSite})`,
		);
		const [visits, actions] = out.trim().split('\t').map(Number);
		return {visits: visits!, actions: actions!};
	}

	// Without the database: the Live API reads the raw log tables too.
	const visits = await api<Array<{actionDetails: unknown[]}>>(matomo, 'Live.getLastVisitsDetails', {
		idSite,
		period: 'range',
		date: '2000-01-01,today',
		filter_limit: -1,
		doNotFetchActions: 0,
	});
	return {visits: visits.length, actions: visits.reduce((sum, visit) => sum + visit.actionDetails.length, 0)};
}

/** A statement on the database of a Matomo this process started (root over its socket). */
export function sql(matomo: Matomo, statement: string): string {
	if (!matomo.dir) throw new Error('no database access: this Matomo was not started by the tests');
	const result = spawnSync('mariadb', ['--no-defaults', '-S', path.join(matomo.dir, 'mysql.sock'), '-uroot', '-N', '-B', 'matomo', '-e', statement], {
		encoding: 'utf8',
	});
	if (result.status !== 0) throw new Error(`mariadb: ${result.stderr}`);
	return result.stdout;
}

/** Matomo's console (plugin:activate, …) of a Matomo this process started. */
export async function matomoConsole(matomo: Matomo, args: readonly string[]): Promise<CommandResult> {
	if (!matomo.dir) throw new Error('no console: this Matomo was not started by the tests');
	return runCommand('php', [path.join(matomo.dir, 'matomo', 'console'), ...args], {cwd: path.join(matomo.dir, 'matomo')});
}
