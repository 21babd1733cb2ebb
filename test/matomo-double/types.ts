/**
 * Public types of the Matomo test double (see ../matomo-double.ts).
 */

export interface DoubleSite {
	idsite: number;
	name: string;
	main_url: string;
	/** Alias URLs (Matomo's `site_url` table). */
	urls?: string[];
	/** As Matomo reports it (`Europe/Paris`, `UTC+10`); default `UTC`. */
	timezone?: string;
}

/** What a token may do. Matomo's levels, reduced to the three the importer cares about. */
export type AccessLevel = 'superuser' | 'write' | 'view';

export interface DoubleUser {
	login: string;
	password: string;
	/** Access of the tokens created by `UsersManager.createAppSpecificTokenAuth` for this user. Default 'superuser'. */
	access?: AccessLevel;
}

export type FaultKind = '500' | '503' | 'reset' | 'timeout' | 'slow' | 'partial' | 'invalid-json' | 'bulk-disabled';

/** Which requests a fault applies to. */
export type FaultScope = 'bulk' | 'single' | 'api';

export interface FaultSpec {
	kind: FaultKind;
	/** Chance that an eligible request gets this fault. Default 1. */
	probability?: number;
	/** Apply to at most this many requests, then the fault is spent. Default: no limit. */
	times?: number;
	/** 'slow': delay of the answer. */
	ms?: number;
	/** '503': the Retry-After header, in seconds. */
	retryAfter?: number;
	/** 'partial': how many requests of the batch are tracked before the failure. Default half (rounded down). */
	tracked?: number;
	/**
	 * 'partial': keep nothing although the answer says `tracked: n`. That is real Matomo with its default
	 * `bulk_requests_use_transaction = 1`: an exception mid-batch rolls the transaction back, yet the error answer
	 * still counts the requests logged before it. Without `rollback`, the first n stay tracked (no transaction).
	 */
	rollback?: boolean;
	/** Default 'bulk'. 'partial' and 'bulk-disabled' only make sense for 'bulk'. */
	scope?: FaultScope;
}

export interface DoubleOptions {
	/** The valid token_auth. It is a Super User token unless listed in `writeTokens`/`viewOnlyTokens` only. */
	token?: string;
	/** Tokens with Super User access. Default [token]. Only these see `invalid_indices` in bulk answers. */
	superUserTokens?: string[];
	/** Tokens with write access to every site (may use cip and old cdt). Default [token]. */
	writeTokens?: string[];
	/** Valid tokens with view access only: API reads work, cip/old cdt are rejected. */
	viewOnlyTokens?: string[];
	/** Users known to `UsersManager.createAppSpecificTokenAuth`. */
	users?: DoubleUser[];
	/** Default one site: 1 `http://example.com`. */
	sites?: DoubleSite[];
	/** Answer bulk posts as Matomo does when the BulkTracking plugin is deactivated. */
	bulkTrackingDisabled?: boolean;
	/** A web server in front of Matomo that refuses bodies of more requests than this with HTTP 413. */
	maxBulkRequests?: number;
	/** Matomo's `[Tracker] bulk_requests_require_authentication = 1`. */
	requireBulkAuthentication?: boolean;
	/**
	 * Matomo 5 answers a token sent in the query string of an API call as if it were invalid when the token is
	 * "secure only"; the double treats every token that way by default, so a client leaking it into a URL fails.
	 * Set to true to accept tokens in API URLs.
	 */
	acceptTokenInUrl?: boolean;
	/** Return ids as strings (`"idsite":"1"`), as some Matomo versions do for DB-backed answers. */
	idsAsStrings?: boolean;
	/** HTTP Basic credentials required for every request (a reverse proxy in front of Matomo). */
	basicAuth?: {user: string; password: string};
	/** Default '5.2.0'. */
	version?: string;
	/** 'count': a fast endpoint that only counts hits (no validation, no per-request storage). Default 'record'. */
	mode?: 'record' | 'count';
	/** Clock in ms, for the 24 h `cdt` rule and the `at` of received hits. Default Date.now. */
	now?: () => number;
	/** Seed of the PRNG deciding probabilistic faults. Default 12345. */
	seed?: number;
	/** Faults active from the start. */
	faults?: FaultSpec[];
	/** Default 0 (a random free port). */
	port?: number;
}

export interface ReceivedHit {
	/** Decoded params of the request, with the query params of the bulk URL merged in (the request wins). */
	params: Record<string, string>;
	/** Path of the tracker URL (e.g. `/matomo.php`). */
	path: string;
	/** `now()` when the request arrived. */
	at: number;
	/** True when it came in a bulk post. */
	bulk: boolean;
	/** The number of the bulk post it came in (1 for the first), when it came in one. */
	post?: number;
}

export interface ApiCall {
	method: string;
	/** All params but token_auth. */
	params: Record<string, string>;
	/** Where the token was: 'body' (correct), 'query' (leaked into a URL) or 'none'. */
	tokenSource: 'body' | 'query' | 'none';
}

export interface HttpLogEntry {
	method: string;
	/** The request URL as received (path and query). */
	url: string;
	headers: Record<string, string | string[] | undefined>;
}

export interface DoubleStats {
	bulkPosts: number;
	singleHits: number;
	hits: number;
	invalid: number;
	apiCalls: number;
	faults: number;
	violations: number;
}

export interface MatomoDouble {
	/** Base URL, `http://127.0.0.1:PORT`. */
	readonly url: string;
	readonly port: number;
	/** Every accepted tracking request (record mode only). */
	readonly received: ReceivedHit[];
	readonly apiCalls: ApiCall[];
	/** Every HTTP request (method, URL, headers), record mode only: to assert that no URL carries the token. */
	readonly httpLog: HttpLogEntry[];
	/**
	 * Things a correct importer never does, even when Matomo tolerates them (a token in a URL, a null request, an
	 * unparsable cdt, …). Tests assert it stays empty.
	 */
	readonly violations: string[];
	readonly bulkPosts: number;
	readonly sites: DoubleSite[];
	/** Accepted tracking requests (both modes). */
	hitCount(): number;
	stats(): DoubleStats;
	setFaults(spec: FaultSpec[]): void;
	clearFaults(): void;
	/** Forget recordings and counters, clear faults, restore the initial sites. */
	reset(): void;
	/** Stop listening and drop every connection (keep-alive ones too). */
	close(): Promise<void>;
}
