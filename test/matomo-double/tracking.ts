/**
 * The tracker side of the Matomo double: decoding bulk and single tracking requests and deciding, per request,
 * what Matomo would do with it. Matomo behaviour followed here (plugins/BulkTracking and core/Tracker/Request.php of
 * Matomo 4/5):
 *
 * - A body is a bulk request when it contains `"requests"`. Each string request is parsed like PHP `parse_url` +
 *   `parse_str`: a string with no `?` has no query and is DROPPED before indexing, so later indices shift. Object
 *   requests are used as they are. A null (or non-object) request is an "empty request": Matomo counts it as
 *   tracked without recording anything.
 * - Per request, `UnexpectedWebsiteFoundException` (unknown idsite) and `InvalidRequestParameterException` (cip
 *   without a write token, cdt at least 24 h old without a write token) are caught by the bulk handler: the index
 *   goes to `invalid_indices` and the batch goes on. The answer is still HTTP 200 `status: success`.
 *   So a wrong token does NOT make Matomo fail the bulk request: it rejects the requests that needed the token.
 * - `invalid_indices` is only included when the bulk token is a Super User token (Response::
 *   addInvalidIndicesIfAuthenticated); other callers only get the `invalid` count.
 * - With `bulk_requests_require_authentication`, one unauthenticated request makes the whole post fail with a plain
 *   Exception, which the tracker answers with HTTP 500 and `{"status":"error","tracked":0,"invalid":0}` (the message
 *   only in debug mode). Yes, a 500 for a permanent error: that is what Matomo does.
 * - A cdt that is unreadable, in the future, or over 10 years old is ignored (the hit is tracked "now").
 *
 * Stricter than Matomo, on purpose: a request without `rec=1` is reported invalid (Matomo silently does not record
 * it, and counts it as tracked), so an importer bug that drops `rec` is loud. Everything Matomo tolerates but a
 * correct importer never sends is listed in `violations`.
 */
import type {DoubleState} from './state.js';
import type {AccessLevel} from './types.js';

const DAY_S = 86400;
const TEN_YEARS_S = 10 * 365 * DAY_S;

/** PHP's parse_str turns dots and spaces in the top-level part of a key into underscores. */
function phpKey(key: string): string {
	const bracket = key.indexOf('[');
	const head = bracket < 0 ? key : key.slice(0, bracket);
	return head.replace(/[. ]/g, '_') + (bracket < 0 ? '' : key.slice(bracket));
}

export function decodeQuery(query: string): Record<string, string> {
	const params: Record<string, string> = {};
	for (const [key, value] of new URLSearchParams(query)) params[phpKey(key)] = value;
	return params;
}

/** Nested objects and arrays become PHP-style keys, so object requests and query strings compare alike. */
function flatten(value: unknown, prefix: string, out: Record<string, string>): void {
	if (value === null || value === undefined) return;
	if (typeof value === 'object') {
		for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
			flatten(inner, prefix ? `${prefix}[${key}]` : key, out);
		}
		return;
	}
	if (typeof value === 'boolean') out[prefix] = value ? '1' : '';
	else out[prefix] = String(value);
}

/** One element of `requests`: its params, `{}` for an empty request, or null when Matomo drops it. */
export function decodeBulkRequest(request: unknown): Record<string, string> | null {
	if (typeof request === 'string') {
		const withoutFragment = request.split('#', 1)[0] ?? '';
		const question = withoutFragment.indexOf('?');
		if (question < 0) return null;
		const query = withoutFragment.slice(question + 1);
		return query ? decodeQuery(query) : null;
	}
	if (request === null || typeof request !== 'object' || Array.isArray(request)) return {};
	const params: Record<string, string> = {};
	flatten(request, '', params);
	return params;
}

/** Seconds since the epoch, or null when Matomo's strtotime would fail. Dates without a zone are UTC. */
export function parseCdt(value: string): number | null {
	if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
	const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/.exec(value);
	if (match) {
		const [, y, mo, d, h, mi, s, frac] = match;
		const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
		return ms / 1000 + Number(frac ?? 0);
	}
	const parsed = Date.parse(value);
	return Number.isNaN(parsed) ? null : parsed / 1000;
}

export type Verdict = {ok: true} | {ok: false; reason: string};

/** What Matomo would do with one non-empty request. */
export function checkRequest(state: DoubleState, params: Record<string, string>, level: AccessLevel | null): Verdict {
	const idsite = Number(params.idsite);
	if (!Number.isInteger(idsite) || idsite <= 0 || !state.site(idsite)) {
		return {ok: false, reason: `unknown idsite '${params.idsite ?? ''}'`};
	}
	if (params.rec !== '1') return {ok: false, reason: 'rec is not 1 (stricter than Matomo)'};
	const mayForce = state.canForceVisitData(level);
	if (params.cip && !mayForce) {
		return {ok: false, reason: "Tracker API 'cip' was used, requires valid token_auth"};
	}
	if (params.cdt) {
		const nowS = state.now() / 1000;
		const cdt = parseCdt(params.cdt);
		if (cdt === null) {
			state.violation(`cdt '${params.cdt}' cannot be read by Matomo; it would track the hit at the current time`);
		} else if (!(cdt <= nowS && cdt > nowS - TEN_YEARS_S)) {
			state.violation(`cdt '${params.cdt}' is in the future or over 10 years old; Matomo ignores it`);
		} else if (nowS - cdt >= DAY_S && !mayForce) {
			return {ok: false, reason: `Custom timestamp is ${Math.round(nowS - cdt)} seconds old, requires &token_auth...`};
		}
	}
	return {ok: true};
}

function withoutToken(params: Record<string, string>): Record<string, string> {
	if (!('token_auth' in params)) return params;
	const {token_auth: _dropped, ...rest} = params;
	return rest;
}

export type BulkOutcome =
	| {kind: 'not-bulk'}
	| {kind: 'auth-failed'; message: string}
	| {kind: 'done'; total: number; tracked: number; invalid: number; invalidIndices: number[]; showIndices: boolean};

/**
 * Track a bulk body. `limit` (or `limit(total)`) stops after that many requests: the 'partial' fault, Matomo
 * failing mid-batch.
 * `urlQuery` holds the query params of the tracker URL.
 */
export function trackBulk(
	state: DoubleState,
	rawBody: string,
	urlQuery: Record<string, string>,
	path: string,
	limit: number | ((total: number) => number) = Number.POSITIVE_INFINITY,
): BulkOutcome {
	if (!rawBody.includes('"requests"')) return {kind: 'not-bulk'};
	let json: unknown = null;
	try {
		json = JSON.parse(rawBody.trim());
	} catch {
		state.violation('bulk body is not valid JSON (Matomo answers success with tracked=0)');
	}
	const body = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : {};
	const bodyToken = typeof body.token_auth === 'string' ? body.token_auth : undefined;
	if (urlQuery.token_auth !== undefined) state.violation(`token_auth in the tracker URL ${path}`);
	// Matomo: the request set takes a token from the URL first; each request gets the token of the JSON body.
	const setToken = urlQuery.token_auth || bodyToken;
	const rawRequests = Array.isArray(body.requests) ? body.requests : [];

	if (state.countOnly) {
		const tracked = Math.min(rawRequests.length, typeof limit === 'function' ? limit(rawRequests.length) : limit);
		state.tracked += tracked;
		return {kind: 'done', total: rawRequests.length, tracked, invalid: 0, invalidIndices: [], showIndices: true};
	}

	const requests: Record<string, string>[] = [];
	for (const [index, raw] of rawRequests.entries()) {
		const params = decodeBulkRequest(raw);
		if (params === null) {
			state.violation(`request ${index} has no query string ('?…'); Matomo drops it and shifts later indices`);
			continue;
		}
		requests.push(params);
	}
	// Request::isAuthenticated uses the bulk token, or the request's own token_auth when the bulk has none.
	const levelFor = (params: Record<string, string>) => state.accessOf(bodyToken || params.token_auth);

	if (state.options.requireBulkAuthentication) {
		for (const params of requests) {
			if (!(bodyToken || params.token_auth)) {
				return {kind: 'auth-failed', message: 'token_auth must be specified when using Bulk Tracking Import.'};
			}
			if (!state.canForceVisitData(levelFor(params))) {
				return {
					kind: 'auth-failed',
					message: `token_auth specified does not have Admin permission for idsite=${params.idsite ?? ''}`,
				};
			}
		}
	}

	const stopAt = typeof limit === 'function' ? limit(requests.length) : limit;
	let tracked = 0;
	const invalidIndices: number[] = [];
	const at = state.now();
	const base = withoutToken(urlQuery);
	for (const [index, params] of requests.entries()) {
		if (index >= stopAt) break;
		if (Object.keys(params).length === 0) {
			state.violation(`request ${index} is empty (null?); Matomo counts it as tracked and records nothing`);
			tracked++;
			continue;
		}
		if ('token_auth' in params) state.violation(`request ${index} carries its own token_auth`);
		const verdict = checkRequest(state, params, levelFor(params));
		if (verdict.ok) {
			tracked++;
			state.received.push({params: {...base, ...withoutToken(params)}, path, at, bulk: true, post: state.bulkPosts});
		} else {
			invalidIndices.push(index);
		}
	}
	state.tracked += tracked;
	state.invalid += invalidIndices.length;
	return {
		kind: 'done',
		total: requests.length,
		tracked,
		invalid: invalidIndices.length,
		invalidIndices,
		showIndices: state.accessOf(setToken) === 'superuser',
	};
}

/** A single (non-bulk) tracking request: GET query, or POST form. */
export function trackSingle(state: DoubleState, params: Record<string, string>, path: string, tokenInQuery: boolean): Verdict {
	if (tokenInQuery) state.violation(`token_auth in the tracker URL ${path}`);
	if (state.countOnly) {
		state.tracked++;
		return {ok: true};
	}
	const verdict = checkRequest(state, params, state.accessOf(params.token_auth));
	if (verdict.ok) {
		state.tracked++;
		state.received.push({params: withoutToken(params), path, at: state.now(), bulk: false});
	} else {
		state.invalid++;
	}
	return verdict;
}
