/**
 * From flags (and the environment) to the validated settings of one import. Every check names the flag, so a cron
 * job's log says what to fix.
 */
import fs from 'node:fs';
import type {FormatOptions} from '../parse/format.js';
import {defaultDownloadExtensions, defaultExcludedUserAgents} from '../filter/lists.js';
import {UsageError} from './argv.js';
import {optionByFlag} from './table.js';
import {noColor} from './environment.js';
import {botDetectionLevels, type BotDetection} from '../filter/bots/levels.js';

export interface DateBound {
	seconds: number;
	micros: number;
}

export interface ImportConfig {
	// Matomo
	url: string | undefined;
	apiUrl: string | undefined;
	tokenAuth: string | undefined;
	/** Where the token came from, for messages (never the token itself). */
	tokenSource: 'flag' | 'env' | 'file' | 'login' | undefined;
	login: string | undefined;
	password: string | undefined;
	/** Matomo's config/config.ini.php, to obtain a token with its updatetoken.php (on the Matomo server). */
	matomoConfigFile: string | undefined;
	phpBinary: string;
	enableTestmode: boolean;
	trackerPath: string;
	authUser: string | undefined;
	authPassword: string | undefined;
	acceptInvalidCertificate: boolean;
	requestSuffix: string | undefined;
	// Sites
	idsite: string | undefined;
	idsiteFallback: string | undefined;
	addSitesNewHosts: boolean;
	logHostname: string | undefined;
	// Input and format
	files: string[];
	formatName: string | undefined;
	formatRegex: string | undefined;
	dateFormat: string | undefined;
	encoding: string;
	skip: number;
	formatOptions: FormatOptions;
	ignoreGroups: string[];
	addToDate: number;
	// What to import
	enableStatic: boolean;
	enableBots: boolean;
	/** Which bots to leave out: the reference's list, plus isbot's, plus behaviour (filter/bots/). */
	botDetection: BotDetection;
	enableHttpErrors: boolean;
	enableHttpRedirects: boolean;
	hostnames: string[];
	excludedPaths: string[];
	includedPaths: string[];
	/** Lower-cased substrings: the reference's list plus --useragent-exclude. */
	excludedUserAgents: string[];
	/** Extensions tracked as downloads. */
	downloadExtensions: Set<string>;
	/** The built-in list: a known download that is not in `downloadExtensions` is skipped. */
	knownDownloadExtensions: Set<string>;
	includeHosts: string[] | undefined;
	excludeHosts: string[] | undefined;
	excludeOlderThan: DateBound | undefined;
	excludeNewerThan: DateBound | undefined;
	// Tracked data
	stripQueryString: boolean;
	queryStringDelimiter: string;
	forceLowercasePath: boolean;
	titleCategoryDelimiter: string;
	trackHttpMethod: boolean;
	reverseDns: boolean;
	trackListeningTime: boolean;
	/** Matomo's visit_standard_length, for the listening heartbeats. */
	visitLengthSeconds: number;
	// Performance
	recorders: number | 'auto';
	payloadSize: number;
	bulkTracking: boolean;
	// Resume and delivery
	requestTimeoutMs: number;
	retryMaxAttempts: number;
	retryDelayMs: number;
	/** Ignore Matomo's `tracked` count in an error answer (it rolled the batch back). */
	/** Trust the `tracked` count of a failed bulk answer (a Matomo without bulk transactions). */
	bulkRequestsWithoutTransaction: boolean;
	stateFile: string | undefined;
	reimport: boolean;
	follow: boolean;
	/** How often --follow looks for new lines. */
	followPollMs: number;
	/** How long a graceful stop waits for the requests in flight before abandoning them. */
	stopGraceMs: number;
	// Output
	yes: boolean;
	dryRun: boolean;
	json: boolean;
	showProgress: boolean | undefined;
	showProgressDelayMs: number;
	output: string | undefined;
	color: boolean;
	// Replay
	replayTracking: boolean;
	replayTrackerFiles: string[];
	// Custom variables
	visitCvarGroups: Array<[string, string]>;
	pageCvarGroups: Array<[string, string]>;
	// Debugging
	debug: number;
	debugTracker: boolean;
	debugRequestLimit: number | undefined;
	forceOneHitEverySeconds: number | undefined;
	dumpLogRegex: boolean;
}

type Given = ReadonlyMap<string, string | boolean | string[] | number>;

function text(given: Given, flag: string): string | undefined {
	const value = given.get(flag);
	if (value === undefined) {
		const fallback = optionByFlag.get(flag)?.default;
		return fallback === undefined ? undefined : String(fallback);
	}

	return Array.isArray(value) ? value.at(-1) : String(value);
}

function flag(given: Given, name: string): boolean {
	const value = given.get(name);
	if (value === undefined) return optionByFlag.get(name)?.default === true;
	return value === true || value === 'true';
}

function list(given: Given, name: string): string[] {
	const value = given.get(name);
	if (value === undefined) return [];
	return Array.isArray(value) ? value : [String(value)];
}

function number(given: Given, name: string, {integer = false, min}: {integer?: boolean; min?: number} = {}): number | undefined {
	const raw = text(given, name);
	if (raw === undefined) return undefined;
	const value = Number(raw.trim());
	if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
		throw new UsageError(`--${name} needs ${integer ? 'a whole number' : 'a number'}, got '${raw}'`);
	}

	if (min !== undefined && value < min) throw new UsageError(`--${name} must be at least ${min}, got ${value}`);
	return value;
}

/** A Matomo site id: a whole number from 1 (Matomo would refuse anything else, after the run has started). */
function siteId(given: Given, name: string): string | undefined {
	const value = text(given, name);
	if (value !== undefined && !/^\s*[1-9]\d*\s*$/.test(value)) throw new UsageError(`--${name} needs a site id (a whole number from 1), got '${value}'`);
	return value;
}

/**
 * KEY=VAL pairs. The reference splits on every "," and "=" and crashes on values that hold them (a regex with
 * `{1,3}`); we split pairs only at a comma that starts a new `KEY=`, and each pair at its first '='.
 */
export function parsePairs(values: readonly string[], name: string): Array<[string, string]> {
	const pairs: Array<[string, string]> = [];
	for (const value of values) {
		for (const piece of value.split(/,(?=[A-Za-z_][\w().-]*=)/)) {
			const eq = piece.indexOf('=');
			if (eq <= 0) throw new UsageError(`--${name} needs KEY=VALUE, got '${piece}'`);
			pairs.push([piece.slice(0, eq), piece.slice(eq + 1)]);
		}
	}

	return pairs;
}

/** `YYYY-MM-DD hh:mm:ss +hhmm` → UTC (the reference's `_valid_date`). */
export function parseDateBound(value: string, name: string): DateBound {
	const match = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{1,2}):(\d{1,2})\s+([-+])(\d{2})(\d{2})\s*$/.exec(value);
	if (!match) throw new UsageError(`--${name} needs a date like "2024-01-31 23:59:59 +0000", got '${value}'`);
	const [, y, mo, d, h, mi, s, sign, oh, om] = match;
	const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
	const check = new Date(local);
	if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) {
		throw new UsageError(`--${name}: '${value}' is not a valid date`);
	}

	const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
	return {seconds: local / 1000 - offset, micros: 0};
}

function withScheme(url: string | undefined): string | undefined {
	if (url === undefined || url === '') return undefined;
	return /^https?:\/\//.test(url) ? url : `http://${url}`;
}

function readPatternFile(file: string | undefined, name: string): string[] {
	if (file === undefined) return [];
	let content: string;
	try {
		content = fs.readFileSync(file, 'utf8');
	} catch (error) {
		throw new UsageError(`--${name}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}

	return content
		.split(/\r?\n/)
		.map(line => line.trim())
		.filter(line => line !== '');
}

function readTokenFile(file: string): string {
	try {
		return fs.readFileSync(file, 'utf8').split(/\r?\n/)[0]!.trim();
	} catch (error) {
		throw new UsageError(`--token-auth-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
}

function extensionList(value: string): string[] {
	return value.split(',');
}

export function buildConfig(given: Given, files: readonly string[], env: NodeJS.ProcessEnv = process.env): ImportConfig {
	let tokenAuth = text(given, 'token-auth');
	let tokenSource: ImportConfig['tokenSource'] = tokenAuth === undefined ? undefined : 'flag';
	if (tokenAuth === undefined && env.MATOMO_TOKEN_AUTH) {
		tokenAuth = env.MATOMO_TOKEN_AUTH;
		tokenSource = 'env';
	}

	const tokenFile = text(given, 'token-auth-file');
	if (tokenAuth === undefined && tokenFile !== undefined) {
		tokenAuth = readTokenFile(tokenFile);
		tokenSource = 'file';
	}

	const downloadGiven = text(given, 'download-extensions');
	const knownDownloadExtensions = new Set(defaultDownloadExtensions);
	const downloadExtensions = downloadGiven === undefined ? new Set(defaultDownloadExtensions) : new Set(extensionList(downloadGiven));
	const added = text(given, 'add-download-extensions');
	if (added !== undefined) for (const extension of extensionList(added)) downloadExtensions.add(extension);

	const recordersText = text(given, 'recorders') ?? '1';
	let recorders: number | 'auto';
	if (recordersText === 'auto') {
		recorders = 'auto';
	} else {
		const n = Number(recordersText);
		if (!Number.isInteger(n) || n < 1) throw new UsageError(`--recorders needs a whole number of at least 1 or "auto", got '${recordersText}'`);
		recorders = n;
	}

	const w3cFieldRegex = Object.fromEntries(parsePairs(list(given, 'w3c-field-regex'), 'w3c-field-regex'));
	for (const [field, regex] of Object.entries(w3cFieldRegex)) {
		if (!regex.includes('(?P<') && !regex.includes('(?<')) {
			throw new UsageError(`cannot find named group in custom w3c field regex '${regex}' for field '${field}'`);
		}
	}

	const w3cFields = text(given, 'w3c-fields');
	const trackerFile = text(given, 'replay-tracking-expected-tracker-file');
	const older = text(given, 'exclude-older-than');
	const newer = text(given, 'exclude-newer-than');
	const includeHosts = list(given, 'include-host');
	const excludeHosts = list(given, 'exclude-host');
	const skip = number(given, 'skip', {integer: true}) ?? 0;

	return {
		url: withScheme(text(given, 'url')),
		apiUrl: withScheme(text(given, 'api-url')) ?? withScheme(text(given, 'url')),
		tokenAuth,
		tokenSource,
		login: text(given, 'login'),
		matomoConfigFile: text(given, 'config'),
		phpBinary: text(given, 'php-binary') ?? 'php',
		enableTestmode: flag(given, 'enable-testmode'),
		password: text(given, 'password') ?? (env.MATOMO_PASSWORD || undefined),
		trackerPath: text(given, 'tracker-endpoint-path') ?? '/matomo.php',
		authUser: text(given, 'auth-user'),
		authPassword: text(given, 'auth-password') ?? (env.MATOMO_AUTH_PASSWORD || undefined),
		acceptInvalidCertificate: flag(given, 'accept-invalid-ssl-certificate'),
		requestSuffix: text(given, 'request-suffix'),
		idsite: siteId(given, 'idsite'),
		idsiteFallback: text(given, 'idsite-fallback'),
		addSitesNewHosts: flag(given, 'add-sites-new-hosts'),
		logHostname: text(given, 'log-hostname'),
		files: [...files],
		formatName: text(given, 'log-format-name'),
		formatRegex: text(given, 'log-format-regex'),
		dateFormat: text(given, 'log-date-format'),
		encoding: text(given, 'encoding') ?? 'utf8',
		skip,
		formatOptions: {
			w3cFields,
			w3cMapField: Object.fromEntries(parsePairs(list(given, 'w3c-map-field'), 'w3c-map-field')),
			w3cFieldRegex,
			w3cTimeTakenMillisecs: flag(given, 'w3c-time-taken-millisecs'),
		},
		ignoreGroups: (text(given, 'ignore-groups') ?? '').split(',').filter(group => group !== ''),
		addToDate: number(given, 'add-to-date', {integer: true}) ?? 0,
		enableStatic: flag(given, 'enable-static'),
		enableBots: flag(given, 'enable-bots'),
		botDetection: botDetectionOf(text(given, 'bot-detection')),
		enableHttpErrors: flag(given, 'enable-http-errors'),
		enableHttpRedirects: flag(given, 'enable-http-redirects'),
		hostnames: list(given, 'hostname'),
		excludedPaths: [...new Set([...list(given, 'exclude-path'), ...readPatternFile(text(given, 'exclude-path-from'), 'exclude-path-from')])],
		includedPaths: [...new Set([...list(given, 'include-path'), ...readPatternFile(text(given, 'include-path-from'), 'include-path-from')])],
		excludedUserAgents: [...new Set([...defaultExcludedUserAgents, ...list(given, 'useragent-exclude').map(ua => ua.toLowerCase())])],
		downloadExtensions,
		knownDownloadExtensions,
		includeHosts: includeHosts.length > 0 ? includeHosts : undefined,
		excludeHosts: excludeHosts.length > 0 ? excludeHosts : undefined,
		excludeOlderThan: older === undefined ? undefined : parseDateBound(older, 'exclude-older-than'),
		excludeNewerThan: newer === undefined ? undefined : parseDateBound(newer, 'exclude-newer-than'),
		stripQueryString: flag(given, 'strip-query-string'),
		queryStringDelimiter: text(given, 'query-string-delimiter') ?? '?',
		forceLowercasePath: flag(given, 'force-lowercase-path'),
		titleCategoryDelimiter: text(given, 'title-category-delimiter') ?? '/',
		trackHttpMethod: (text(given, 'track-http-method') ?? '') !== '',
		reverseDns: flag(given, 'enable-reverse-dns'),
		trackListeningTime: flag(given, 'track-listening-time'),
		visitLengthSeconds: number(given, 'visit-length', {integer: true, min: 60}) ?? 1800,
		recorders,
		payloadSize: number(given, 'recorder-max-payload-size', {integer: true, min: 1}) ?? 200,
		bulkTracking: !flag(given, 'disable-bulk-tracking'),
		requestTimeoutMs: (number(given, 'request-timeout', {min: 0.001}) ?? 300) * 1000,
		// Following a live log, Matomo being down is something to wait out, not a reason to stop.
		retryMaxAttempts: !given.has('retry-max-attempts') && flag(given, 'follow') ? 0 : (number(given, 'retry-max-attempts', {integer: true, min: 0}) ?? 3),
		retryDelayMs: (number(given, 'retry-delay', {min: 0}) ?? 10) * 1000,
		bulkRequestsWithoutTransaction: flag(given, 'bulk-requests-without-transaction'),
		stateFile: text(given, 'state-file'),
		reimport: flag(given, 'reimport'),
		follow: flag(given, 'follow'),
		followPollMs: (number(given, 'follow-interval', {min: 0.01}) ?? 1) * 1000,
		stopGraceMs: (number(given, 'stop-grace', {min: 0}) ?? 10) * 1000,
		yes: flag(given, 'yes'),
		dryRun: flag(given, 'dry-run'),
		json: flag(given, 'json'),
		// As in the reference: on by default when stdout is a terminal.
		showProgress: given.has('show-progress') ? flag(given, 'show-progress') : undefined,
		showProgressDelayMs: (number(given, 'show-progress-delay', {min: 0.05}) ?? 1) * 1000,
		output: text(given, 'output'),
		color: flag(given, 'color') && !noColor(env),
		replayTracking: flag(given, 'replay-tracking'),
		replayTrackerFiles: trackerFile === undefined ? ['piwik.php', 'matomo.php'] : [trackerFile],
		visitCvarGroups: parsePairs(list(given, 'regex-group-to-visit-cvar'), 'regex-group-to-visit-cvar'),
		pageCvarGroups: parsePairs(list(given, 'regex-group-to-page-cvar'), 'regex-group-to-page-cvar'),
		debug: Number(given.get('debug') ?? 0),
		debugTracker: flag(given, 'debug-tracker'),
		debugRequestLimit: number(given, 'debug-request-limit', {integer: true, min: 1}),
		forceOneHitEverySeconds: number(given, 'debug-force-one-hit-every-Ns', {min: 0}),
		dumpLogRegex: flag(given, 'dump-log-regex'),
	};
}

function botDetectionOf(value: string | undefined): BotDetection {
	if (value === undefined) return 'reference';
	if (!(botDetectionLevels as readonly string[]).includes(value))
		throw new UsageError(`--bot-detection needs one of ${botDetectionLevels.join(', ')}, got '${value}'`);
	return value as BotDetection;
}
