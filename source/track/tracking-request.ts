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
	if (hit.isError || hit.isRedirect) args.action_name = errorActionName(hit.status, String(args.url), String(args.urlref ?? ''), options.titleCategoryDelimiter);

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

/**
 * The same request as `toQueryString(trackingParams(…))`, for the common case (no replay, no custom variables from
 * groups) written piece by piece into bytes as a bulk-body entry (`"?rec=1&…",`): one per hit. As a string, each
 * hit's request was some 1.2 KB of garbage (the pieces, their concatenation, its flat copy when written). The pieces
 * that repeat across hits are encoded once and remembered (the second of `cdt`, the site id, the `cvar` of a
 * status); memory is bounded: each cache is cleared when full.
 */
export class QueryBuilder {
	private readonly cvars = new Map<string, string>();
	private lastSeconds = Number.NaN;
	private lastMicros = 0;
	private lastCdt = '';
	private lastSite: SiteTarget | undefined;
	private lastSiteId = '';
	private readonly fixed: string;
	/** Where `entry` writes; grown when a hit needs more. */
	private out = Buffer.allocUnsafeSlow(4096);
	private at = 0;

	constructor(private readonly options: RequestOptions) {
		this.fixed = `&queuedtracking=0&dp=${options.reverseDns ? '0' : '1'}`;
	}

	/** The bytes the last `entry()` wrote: `entryBytes[0, length)`. Overwritten by the next one. */
	get entryBytes(): Buffer {
		return this.out;
	}

	/** The request of a hit as a query string (`?rec=1&…`). */
	build(hit: Hit, site: SiteTarget): string {
		const length = this.entry(hit, site);
		return this.out.toString('latin1', 1, length - 2);
	}

	/** Write the request of a hit as a bulk JSON entry (`"?rec=1&…",`) into `entryBytes`; returns its length. */
	entry(hit: Hit, site: SiteTarget): number {
		const {options} = this;
		// Anything unusual (replayed parameters, custom variables from groups) goes the general way.
		if (options.replayTracking || hit.visitCvars || (hit.args && (hit.args.uid === undefined || Object.keys(hit.args).length > 1))) {
			this.at = 0;
			this.ascii(`"${toQueryString(trackingParams(hit, site, options))}",`);
			return this.at;
		}

		const url = trackedUrl(hit, site, options);
		const referrer = sliceCodePoints(hit.referrer, 1024);
		this.at = 0;
		this.ascii('"?rec=1&apiv=1&url=');
		const urlFrom = this.at;
		this.component(url);
		const urlTo = this.at;
		this.ascii('&urlref=');
		this.component(referrer);
		this.ascii('&cip=');
		this.component(hit.ip);
		this.ascii('&cdt=');
		this.ascii(this.cdt(hit));
		this.ascii('&idsite=');
		this.ascii(this.siteId(site));
		this.ascii(this.fixed);
		this.ascii('&ua=');
		this.component(hit.userAgent);
		if (hit.args) {
			this.ascii('&uid=');
			this.component(hit.args.uid!);
		}

		if (hit.isDownload) {
			this.ascii('&download=');
			this.room(urlTo - urlFrom);
			this.out.copy(this.out, this.at, urlFrom, urlTo);
			this.at += urlTo - urlFrom;
		}

		if (options.enableBots) this.ascii('&bots=1');
		if (hit.isError || hit.isRedirect) {
			this.ascii('&action_name=');
			this.component(errorActionName(hit.status, url, referrer, options.titleCategoryDelimiter));
		}

		if (hit.generationTimeMilli > 0 && Number.isFinite(hit.generationTimeMilli)) this.ascii(`&pf_srv=${Math.trunc(hit.generationTimeMilli)}`);
		if (hit.eventCategory && hit.eventAction) {
			this.ascii('&e_c=');
			this.component(hit.eventCategory);
			this.ascii('&e_a=');
			this.component(hit.eventAction);
			if (hit.eventName) {
				this.ascii('&e_n=');
				this.component(hit.eventName);
			}
		}

		if (hit.length !== 0) this.ascii(`&bw_bytes=${hit.length}`);
		this.ascii('&cvar=');
		this.ascii(this.pageCvars(hit));
		if (options.enableBots) {
			this.ascii('&_cvar=');
			this.component(cvarJson([[hit.isRobot ? 'Bot' : 'Not-Bot', hit.userAgent]]));
		}

		this.ascii('",');
		return this.at;
	}

	private room(bytes: number): void {
		const need = this.at + bytes;
		if (need <= this.out.length) return;
		const grown = Buffer.allocUnsafeSlow(Math.max(need, this.out.length * 2));
		this.out.copy(grown, 0, 0, this.at);
		this.out = grown;
	}

	/**
	 * A text percent-encoded. encodeURIComponent (native) then one native copy: measured faster than encoding
	 * character by character into the buffer in JavaScript (1.6 against 2.7 ns a character).
	 */
	private component(text: string): void {
		this.ascii(encodeComponent(text));
	}

	/** An ASCII text (encoded already, a number, a constant) as it is. */
	private ascii(text: string): void {
		this.room(text.length);
		this.at += this.out.write(text, this.at, 'latin1');
	}

	/** The encoded id of a site, remembered for the last site (hits of one site come in runs, or all of them). */
	private siteId(site: SiteTarget): string {
		if (site !== this.lastSite) {
			this.lastSite = site;
			this.lastSiteId = encodeComponent(site.idsite);
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
