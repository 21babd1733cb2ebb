/**
 * A hit → the tracking parameters import_logs.py sends for it (inventory §4.1), as one bulk-request entry
 * (`?rec=1&apiv=1&url=…`). Matomo's reports after an import must be the same whichever importer sent them.
 */
import {formatCdt} from '../parse/strptime.js';
import type {CustomVariable, Hit} from '../parse/hit.js';
import {encodeComponent, pythonJsonDumps, pythonQuote, sliceCodePoints, urlScheme} from '../python/semantics.js';
import {convertArrayArgs} from './replay.js';

export interface RequestOptions {
	stripQueryString: boolean;
	queryStringDelimiter: string;
	titleCategoryDelimiter: string;
	reverseDns: boolean;
	enableBots: boolean;
	replayTracking: boolean;
}

export interface SiteTarget {
	idsite: string;
	mainUrl: string;
	/** The site's time zone as Matomo reports it, when known (its days: see site-day.ts). */
	timezone?: string;
}

type Params = Record<string, unknown>;

function cvarJson(cvars: CustomVariable[]): string {
	const numbered: Record<string, CustomVariable> = {};
	for (const [index, cvar] of cvars.entries()) numbered[String(index + 1)] = cvar;
	return pythonJsonDumps(numbered);
}

/**
 * The tracked URL: the site's scheme and the hit's host (or the site's main URL when the log has no host) before the
 * path and query string, the path cut to 1024 characters; a path that is already an absolute URL is used alone.
 */
function trackedUrl(hit: Hit, site: SiteTarget, options: RequestOptions): string {
	let path = hit.path;
	if (hit.queryString !== '' && !options.stripQueryString) path += options.queryStringDelimiter + hit.queryString;
	let urlPrefix: string;
	if (hit.host === undefined) urlPrefix = site.mainUrl;
	else if (hit.host.includes('://')) urlPrefix = hit.host;
	else urlPrefix = `${urlScheme(site.mainUrl)}://${hit.host}`;
	return (path.startsWith('/') ? urlPrefix : '') + sliceCodePoints(path, 1024);
}

/** The page title of an error or redirect: `404/URL = <url>/From = <referrer>`, quoted like Python's quote(safe=''). */
function errorActionName(status: string, url: string, urlref: string, delimiter: string): string {
	return `${status}${delimiter}URL = ${pythonQuote(url)}` + (urlref === '' ? '' : `${delimiter}From = ${pythonQuote(urlref)}`);
}

/** The parameters, in the reference's order (which Matomo ignores, but it keeps debug output comparable). */
export function trackingParams(hit: Hit, site: SiteTarget, options: RequestOptions): Params {
	const url = trackedUrl(hit, site, options);

	const visitCvars: CustomVariable[] = hit.visitCvars ? [...hit.visitCvars] : [];
	if (options.enableBots) visitCvars.push([hit.isRobot ? 'Bot' : 'Not-Bot', hit.userAgent]);
	const pageCvars: CustomVariable[] = hit.pageCvars ? [...hit.pageCvars] : [];
	pageCvars.push(['HTTP-code', hit.status]);

	const args: Params = {
		rec: options.replayTracking ? '0' : '1',
		apiv: '1',
		url,
		urlref: sliceCodePoints(hit.referrer, 1024),
		cip: hit.ip,
		cdt: formatCdt(hit),
		idsite: site.idsite,
		queuedtracking: '0',
		dp: options.reverseDns ? '0' : '1',
		ua: hit.userAgent,
	};

	if (hit.args) {
		for (const [key, value] of Object.entries(hit.args)) {
			if (key !== 'idsite') args[key] = value;
		}
	}

	if (hit.isDownload) args.download = args.url;
	if (options.enableBots) args.bots = '1';
	// From the parameters as they stand: replayed ones may have replaced url and urlref.
	if (hit.isError || hit.isRedirect)
		args.action_name = errorActionName(hit.status, String(args.url), String(args.urlref ?? ''), options.titleCategoryDelimiter);

	if (hit.generationTimeMilli > 0 && Number.isFinite(hit.generationTimeMilli)) args.pf_srv = Math.trunc(hit.generationTimeMilli);
	if (hit.eventCategory && hit.eventAction) {
		args.e_c = hit.eventCategory;
		args.e_a = hit.eventAction;
		if (hit.eventName) args.e_n = hit.eventName;
	}

	if (hit.length !== 0) args.bw_bytes = hit.length;

	// A replayed cvar/_cvar is already a string: the reference then leaves it as it is.
	if (typeof args.cvar !== 'string' && pageCvars.length > 0) args.cvar = cvarJson(pageCvars);
	if (typeof args._cvar !== 'string' && visitCvars.length > 0) args._cvar = cvarJson(visitCvars);

	return options.replayTracking ? convertArrayArgs(args) : args;
}

function appendParam(parts: string[], key: string, value: unknown): void {
	if (value === undefined || value === null) return;
	if (Array.isArray(value)) {
		for (const [index, item] of value.entries()) appendParam(parts, `${key}[${index}]`, item);
		return;
	}

	if (typeof value === 'object') {
		for (const [k, item] of Object.entries(value as Record<string, unknown>)) appendParam(parts, `${key}[${k}]`, item);
		return;
	}

	parts.push(`${encodeComponent(key)}=${encodeComponent(String(value))}`);
}

/** As a bulk-request entry: `?key=value&…`, nested arrays as PHP `key[0]=…`. */
export function toQueryString(params: Params): string {
	const parts: string[] = [];
	for (const [key, value] of Object.entries(params)) appendParam(parts, key, value);
	return '?' + parts.join('&');
}

const ipv4 = /^[\d.]+$/;

/**
 * The same request as `toQueryString(trackingParams(…))`, built straight into a string for the common case (no
 * replay, no custom variables from groups): one per hit, so the pieces that repeat across hits (user agents, the
 * second of `cdt`, the `cvar` of a status) are encoded once and remembered. Memory is bounded: each cache is cleared
 * when full. Referrers are encoded each time: they repeat far less than user agents, and remembering them measured
 * slower (bench/profile.md).
 *
 * One string, copied into the bulk body's bytes in one go (writeEntry): writing the pieces straight into the bytes
 * is a call into native code per piece, which measured about twice as slow in the parse worker (bench/profile.md).
 */
export class QueryBuilder {
	private readonly encoded = new Map<string, string>();
	private readonly cvars = new Map<string, string>();
	private lastSeconds = Number.NaN;
	private lastMicros = 0;
	private lastCdt = '';
	private lastSite: SiteTarget | undefined;
	private lastSiteId = '';
	private readonly fixed: string;

	constructor(private readonly options: RequestOptions) {
		this.fixed = `&queuedtracking=0&dp=${options.reverseDns ? '0' : '1'}`;
	}

	/** A remembered encoding, for texts that repeat a lot (user agents, site ids, event names). */
	private encode(text: string): string {
		let out = this.encoded.get(text);
		if (out === undefined) {
			out = encodeComponent(text);
			// Small: its keys keep their whole log line alive; the texts that repeat most stay in it anyway.
			if (this.encoded.size >= 5000) this.encoded.clear();
			this.encoded.set(text, out);
		}

		return out;
	}

	/** The encoded id of a site, remembered for the last site (hits of one site come in runs, or all of them). */
	private siteId(site: SiteTarget): string {
		if (site !== this.lastSite) {
			this.lastSite = site;
			this.lastSiteId = this.encode(site.idsite);
		}

		return this.lastSiteId;
	}

	private cdt(hit: Hit): string {
		if (hit.seconds !== this.lastSeconds || hit.micros !== this.lastMicros) {
			this.lastSeconds = hit.seconds;
			this.lastMicros = hit.micros;
			this.lastCdt = encodeComponent(formatCdt(hit));
		}

		return this.lastCdt;
	}

	/** The request of a hit as a query string (`?rec=1&…`). */
	build(hit: Hit, site: SiteTarget): string {
		const {options} = this;
		// Anything unusual (replayed parameters, custom variables from groups) goes the general way.
		if (options.replayTracking || hit.visitCvars || (hit.args && (hit.args.uid === undefined || Object.keys(hit.args).length > 1))) {
			return toQueryString(trackingParams(hit, site, options));
		}

		const url = trackedUrl(hit, site, options);
		const encodedUrl = encodeComponent(url);
		const referrer = sliceCodePoints(hit.referrer, 1024);

		// An IPv4 address has nothing to encode (the test is cheaper than the encoding).
		const cip = ipv4.test(hit.ip) ? hit.ip : encodeComponent(hit.ip);
		let query = `?rec=1&apiv=1&url=${encodedUrl}&urlref=${encodeComponent(referrer)}&cip=${cip}&cdt=${this.cdt(hit)}&idsite=${this.siteId(site)}${this.fixed}&ua=${this.encode(hit.userAgent)}`;
		if (hit.args) query += `&uid=${encodeComponent(hit.args.uid!)}`;
		if (hit.isDownload) query += `&download=${encodedUrl}`;
		if (options.enableBots) query += '&bots=1';
		if (hit.isError || hit.isRedirect) query += `&action_name=${encodeComponent(errorActionName(hit.status, url, referrer, options.titleCategoryDelimiter))}`;

		if (hit.generationTimeMilli > 0 && Number.isFinite(hit.generationTimeMilli)) query += `&pf_srv=${Math.trunc(hit.generationTimeMilli)}`;
		if (hit.eventCategory && hit.eventAction) {
			query += `&e_c=${this.encode(hit.eventCategory)}&e_a=${this.encode(hit.eventAction)}`;
			if (hit.eventName) query += `&e_n=${this.encode(hit.eventName)}`;
		}

		if (hit.length !== 0) query += `&bw_bytes=${hit.length}`;
		query += `&cvar=${this.pageCvars(hit)}`;
		if (options.enableBots) query += `&_cvar=${encodeComponent(cvarJson([[hit.isRobot ? 'Bot' : 'Not-Bot', hit.userAgent]]))}`;
		return query;
	}

	/** The page custom variables (HTTP method, HTTP code) of a hit, encoded; the same few for most hits. */
	private pageCvars(hit: Hit): string {
		const key = hit.pageCvars ? JSON.stringify(hit.pageCvars) + hit.status : hit.status;
		let out = this.cvars.get(key);
		if (out === undefined) {
			const cvars: CustomVariable[] = hit.pageCvars ? [...hit.pageCvars] : [];
			cvars.push(['HTTP-code', hit.status]);
			out = encodeComponent(cvarJson(cvars));
			if (this.cvars.size >= 1000) this.cvars.clear();
			this.cvars.set(key, out);
		}

		return out;
	}
}
