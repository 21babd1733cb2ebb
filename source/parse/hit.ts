/**
 * From a parsed line (Fields) to a Hit, following the reference's per-line steps 4–17 (inventory §3). The values
 * here end up in the tracking request, so every fallback matches import_logs.py.
 */
import {pythonFloat, pythonInt} from '../python/semantics.js';
import type {Fields} from './format.js';

export type CustomVariable = [name: string, value: string];

/** One line that became a hit. Every hit carries its origin (input, line, end offset) up to Matomo's answer. */
export interface Hit {
	input: number;
	/** 0-based line number in the input (the reference's `lineno`). */
	lineNo: number;
	/** Byte offset (decompressed) where the line ends, terminator included. */
	endOffset: number;
	status: string;
	path: string;
	queryString: string;
	extension: string;
	referrer: string;
	userAgent: string;
	ip: string;
	length: number;
	generationTimeMilli: number;
	/** `undefined`: the format has no host (the reference's hit then lacks the attribute). */
	host: string | undefined;
	userid: string | undefined;
	eventCategory: string | undefined;
	eventAction: string | undefined;
	eventName: string | undefined;
	isDownload: boolean;
	isRobot: boolean;
	isError: boolean;
	isRedirect: boolean;
	/** Unix seconds (UTC) and microseconds, set once the date is parsed. */
	seconds: number;
	micros: number;
	/** Extra tracking parameters: `uid`, and in replay mode every replayed parameter. */
	args: Record<string, string> | undefined;
	pageCvars: CustomVariable[] | undefined;
	visitCvars: CustomVariable[] | undefined;
	/** The parsed line, until `completeHit` has read the rest of it. */
	fields: Fields | undefined;
}

export interface HitOptions {
	forceLowercasePath: boolean;
	queryStringDelimiter: string;
	trackHttpMethod: boolean;
	logHostname: string | undefined;
	pageCvarGroups: ReadonlyArray<[string, string]>;
	visitCvarGroups: ReadonlyArray<[string, string]>;
	ignoreGroups: readonly string[];
}

function stripQuotes(value: string): string {
	// The reference drops the first and last characters when the value starts with a quote.
	return value.charCodeAt(0) === 34 ? value.slice(1, -1) : value;
}

function cvarsFromGroups(fields: Fields, groups: ReadonlyArray<[string, string]>): CustomVariable[] | undefined {
	let cvars: CustomVariable[] | undefined;
	for (const [group, name] of groups) {
		const value = fields[group];
		if (value === undefined || value === '-') continue;
		(cvars ??= []).push([name, value]);
	}

	return cvars;
}

/**
 * Steps 4–17, first part: what the checks need (status, path, query string, extension, host, user agent). The rest
 * waits for `completeHit`, so that the many lines the checks skip (static files, bots…) cost less. Returns a reason
 * text when the line cannot become a hit (the reference would crash: no status). The date is not parsed here: the
 * reference parses it after the checks.
 */
export function buildHit(fields: Fields, options: HitOptions, input: number, lineNo: number, endOffset: number): Hit | string {
	const status = fields.status;
	if (status === undefined || status === '') return 'no HTTP status in the line';
	let fullPath = fields.path;
	if (fullPath === undefined) return 'no path in the line';
	if (options.forceLowercasePath) fullPath = fullPath.toLowerCase();

	let pageCvars: CustomVariable[] | undefined;
	let visitCvars: CustomVariable[] | undefined;
	if (options.pageCvarGroups.length > 0) pageCvars = cvarsFromGroups(fields, options.pageCvarGroups);
	if (options.visitCvarGroups.length > 0) visitCvars = cvarsFromGroups(fields, options.visitCvarGroups);

	if (options.ignoreGroups.length > 0) {
		fields = {...fields};
		for (const group of options.ignoreGroups) delete fields[group];
	}

	let path: string;
	let queryString: string;
	if ('query_string' in fields) {
		queryString = fields.query_string ?? '';
		path = fullPath;
	} else {
		const at = fullPath.indexOf(options.queryStringDelimiter);
		if (at === -1) {
			path = fullPath;
			queryString = '';
		} else {
			path = fullPath.slice(0, at);
			queryString = fullPath.slice(at + options.queryStringDelimiter.length);
		}
	}

	if (queryString === '-') queryString = '';

	const dot = path.lastIndexOf('.');
	const extension = (dot === -1 ? path : path.slice(dot + 1)).toLowerCase();

	let userAgent = fields.user_agent ?? '';
	if (userAgent !== '') userAgent = stripQuotes(userAgent);

	let host: string | undefined;
	if (options.logHostname !== undefined) {
		host = options.logHostname;
	} else {
		const raw = fields.host;
		if (raw !== undefined) {
			host = trimDots(raw.toLowerCase());
			if (host.charCodeAt(0) === 34) host = host.slice(1, -1);
		}
	}

	// Every property set here, in one order: one hidden class for all hits.
	return {
		input,
		lineNo,
		endOffset,
		status,
		path,
		queryString,
		extension,
		referrer: '',
		userAgent,
		ip: '',
		length: 0,
		generationTimeMilli: 0,
		host,
		userid: undefined,
		eventCategory: undefined,
		eventAction: undefined,
		eventName: undefined,
		isDownload: false,
		isRobot: false,
		isError: false,
		isRedirect: false,
		seconds: 0,
		micros: 0,
		args: undefined,
		pageCvars,
		visitCvars,
		fields,
	};
}

/** Steps 4–17, second part, for a line that passed the checks: referrer, IP, size, generation time, user, events. */
export function completeHit(hit: Hit, options: HitOptions): void {
	const fields = hit.fields!;
	hit.fields = undefined;
	if (options.trackHttpMethod) {
		const method = fields.method;
		// After the group custom variables, before HTTP-code (added when the request is built).
		if (method !== undefined && method !== '-') (hit.pageCvars ??= []).push(['HTTP-method', method]);
	}

	let referrer = fields.referrer ?? '';
	if (referrer !== '') referrer = stripQuotes(referrer);
	if (referrer === '-') referrer = '';
	hit.referrer = referrer;
	hit.ip = fields.ip ?? '';
	hit.length = pythonInt(fields.length) ?? 0;

	const milli = pythonFloat(fields.generation_time_milli);
	if (milli === null) {
		const micro = pythonFloat(fields.generation_time_micro);
		if (micro === null) {
			const secs = pythonFloat(fields.generation_time_secs);
			if (secs !== null) hit.generationTimeMilli = secs * 1000;
		} else {
			hit.generationTimeMilli = micro / 1000;
		}
	} else {
		hit.generationTimeMilli = milli;
	}

	const uid = fields.userid;
	if (uid !== undefined && uid !== '-') {
		hit.userid = uid;
		hit.args = {uid};
	}

	// The reference stops at the first missing event group and keeps what it read so far.
	if ('event_category' in fields) {
		hit.eventCategory = dashToUndefined(fields.event_category);
		if ('event_action' in fields) {
			hit.eventAction = dashToUndefined(fields.event_action);
			if ('event_name' in fields) hit.eventName = dashToUndefined(fields.event_name);
		}
	}
}

function dashToUndefined(value: string | undefined): string | undefined {
	return value === '-' ? undefined : value;
}

/** Python `str.strip('.')`. */
function trimDots(value: string): string {
	let start = 0;
	let end = value.length;
	while (start < end && value.charCodeAt(start) === 46) start++;
	while (end > start && value.charCodeAt(end - 1) === 46) end--;
	return start === 0 && end === value.length ? value : value.slice(start, end);
}
