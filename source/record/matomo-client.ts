/**
 * The HTTP client for Matomo: Reporting API calls (site resolution, version check, token creation) and bulk
 * tracking posts, over one keep-alive undici Agent.
 *
 * Rules it keeps, whatever the caller does:
 * - The token goes in POST bodies only: never in a URL, never in an error message (every text taken from a
 *   response is redacted before it is put in an error).
 * - Tracking posts are never redirected: a redirected POST loses its body (the reference's urllib turns it into a
 *   GET and drops the hits silently), so a redirect is an error that names the address to use instead. API calls
 *   follow redirects within the same host only, so the token never travels to another server.
 * - `sendBulk` makes ONE attempt: the recorder owns tracking retries, because it trims the hits Matomo already
 *   acknowledged before it sends again. API calls are retried here; both follow the one policy of retry-policy.ts.
 */
import {createHttpAgent, type HttpAgent} from './undici-agent.js';
import {bulkBody, encodeRequests, isEncoded, type EncodedRequests} from './hit-batch.js';
import {parseRetryAfter, withRetry} from './retry-policy.js';
import {BODY_SAMPLE_CHARS, MatomoError, classifyFailure, type MatomoErrorDetails, type MatomoErrorKind} from './matomo-error.js';
import {appendSuffix, innermostMessage, isObject, parseJson, matomoRefusal, plural, snippet, type RawResponse, type Target, stripSlashes} from './http-text.js';

export {MatomoError, type MatomoErrorDetails, type MatomoErrorKind} from './matomo-error.js';
export {bulkBody} from './hit-batch.js';

export interface MatomoClientOptions {
	/** --url (already normalised with http:// when no scheme). */
	url: string;
	/** --api-url, default url. */
	apiUrl?: string;
	tokenAuth?: string;
	/** Default '/matomo.php' (given by the caller). */
	trackerPath: string;
	requestTimeoutMs: number;
	/** Total attempts for API calls; 0 = forever (each wait is still capped). */
	retryMaxAttempts: number;
	/** Base of the exponential backoff. */
	retryDelayMs: number;
	acceptInvalidCertificate?: boolean;
	/** HTTP Basic. */
	authUser?: string;
	authPassword?: string;
	/** Raw text appended to the URL of every tracker and API request ('&' if the URL has '?', else '?'). */
	requestSuffix?: string;
	/** Adds debug=1 to the tracker URL. */
	debugTracker?: boolean;
	/** Connections per origin (default 8). */
	connections?: number;
	/** Default 'Matomo/LogImport'. */
	userAgent?: string;
	onRetry?: (info: {attempt: number; delayMs: number; error: MatomoError}) => void;
}

export interface BulkResult {
	httpStatus: number;
	tracked: number | null;
	invalid: number | null;
	invalidIndices: number[];
	status: string | null;
	rawBody: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Client

export class MatomoClient {
	private readonly http: HttpAgent;
	private readonly options: MatomoClientOptions;
	private readonly authorization?: string;
	private readonly tracker: Target;
	private readonly apiEndpoint: Target;
	private readonly shownApiUrl: string;
	private closed = false;
	private tokenForms: string[] | undefined;

	constructor(options: MatomoClientOptions) {
		this.options = options;
		const base = new URL(options.url);
		const apiBase = new URL(options.apiUrl ?? options.url);
		// Credentials written into --url become Basic auth, and never appear in messages.
		let user = options.authUser;
		let password = options.authPassword;
		if (user === undefined && base.username) {
			user = decodeURIComponent(base.username);
			password = decodeURIComponent(base.password);
		}
		for (const url of [base, apiBase]) {
			url.username = '';
			url.password = '';
		}
		if (user !== undefined) {
			this.authorization = `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`;
		}

		this.shownApiUrl = apiBase.href;

		// `--url https://x/matomo/` gives /matomo/matomo.php (the reference concatenated strings: //matomo.php).
		const trackerPath = options.trackerPath.startsWith('/') ? options.trackerPath : `/${options.trackerPath}`;
		let trackerQuery = '?queuedtracking=0';
		if (options.debugTracker) trackerQuery += '&debug=1';
		this.tracker = {
			origin: base.origin,
			path: appendSuffix(`${stripSlashes(base.pathname)}${trackerPath}${trackerQuery}`, options.requestSuffix),
		};
		const apiPath = apiBase.pathname.endsWith('.php') ? apiBase.pathname : `${stripSlashes(apiBase.pathname)}/index.php`;
		this.apiEndpoint = {origin: apiBase.origin, path: appendSuffix(apiPath, options.requestSuffix)};

		this.http = createHttpAgent({
			connections: options.connections ?? 8,
			headersTimeout: options.requestTimeoutMs,
			bodyTimeout: options.requestTimeoutMs,
			connect: {rejectUnauthorized: !options.acceptInvalidCertificate, timeout: options.requestTimeoutMs},
		});
	}

	/** Remove the token from any text that came from outside (bodies, server messages). */
	private redact(text: string): string {
		const token = this.options.tokenAuth;
		if (!token) return text;
		// The forms a token takes in a text: as given, URL-encoded, form-encoded (worked out once: this runs per answer).
		this.tokenForms ??= [...new Set([token, encodeURIComponent(token), new URLSearchParams({t: token}).toString().slice(2)])];
		let out = text;
		for (const form of this.tokenForms) {
			if (out.includes(form)) out = out.split(form).join('***');
		}
		return out;
	}

	private sample(text: string): string {
		return this.redact(text.slice(0, BODY_SAMPLE_CHARS));
	}

	private headers(contentType: string): Record<string, string> {
		const headers: Record<string, string> = {
			'content-type': contentType,
			'user-agent': this.options.userAgent ?? 'Matomo/LogImport',
		};
		if (this.authorization) headers.authorization = this.authorization;
		return headers;
	}

	/** One HTTP exchange, bounded by the request timeout as a whole (connect, headers and body). */
	private async exchange(target: Target, contentType: string, body: string | Buffer, signal?: AbortSignal): Promise<RawResponse> {
		if (signal?.aborted) throw signal.reason;
		const timeoutMs = this.options.requestTimeoutMs;
		const controller = new AbortController();
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			controller.abort();
		}, timeoutMs);
		// Linked by hand rather than AbortSignal.any: a long-lived run signal would collect a listener per request.
		const onAbort = () => controller.abort(signal?.reason);
		signal?.addEventListener('abort', onAbort, {once: true});
		try {
			const response = await this.http.request({
				origin: target.origin,
				path: target.path,
				method: 'POST',
				headers: this.headers(contentType),
				body,
				signal: controller.signal,
			});
			const text = await response.body.text();
			return {status: response.statusCode, headers: response.headers, text};
		} catch (error) {
			if (timedOut) {
				throw new MatomoError('timeout', `Matomo at ${target.origin} did not answer within ${timeoutMs} ms`, {
					code: 'TIMEOUT',
					cause: error,
				});
			}
			if (signal?.aborted) throw signal.reason;
			throw this.classify(error, target, timeoutMs);
		} finally {
			clearTimeout(timer);
			signal?.removeEventListener('abort', onAbort);
		}
	}

	private classify(error: unknown, target: Target, timeoutMs: number): MatomoError {
		return classifyFailure(error, target.origin, timeoutMs, this.redact(innermostMessage(error)));
	}

	// ----- Reporting API -----------------------------------------------------------------------------------------

	/** Call `method` of the Reporting API. Arrays are sent as `key[0]=…`. Retried unless `retry: false`. */
	api<T = unknown>(method: string, params: Record<string, string | number | string[]> = {}, opts: {withToken?: boolean; retry?: boolean} = {}): Promise<T> {
		return this.callApi<T>(method, params, {...opts});
	}

	private callApi<T>(
		method: string,
		params: Record<string, string | number | string[]>,
		opts: {withToken?: boolean; retry?: boolean; isRetryable?: (error: unknown) => boolean},
	): Promise<T> {
		const body = new URLSearchParams({module: 'API', format: 'json', method, filter_limit: '-1'});
		if (opts.withToken !== false && this.options.tokenAuth) body.set('token_auth', this.options.tokenAuth);
		for (const [key, value] of Object.entries(params)) {
			if (Array.isArray(value)) {
				for (const [index, item] of value.entries()) body.append(`${key}[${index}]`, item);
			} else body.append(key, String(value));
		}
		const once = () => this.apiOnce<T>(method, body.toString());
		if (opts.retry === false) return once();
		return withRetry(once, {
			maxAttempts: this.options.retryMaxAttempts,
			baseDelayMs: this.options.retryDelayMs,
			isRetryable: opts.isRetryable ?? (error => error instanceof MatomoError && error.retryable),
			onRetry: info => {
				if (info.error instanceof MatomoError) this.options.onRetry?.({...info, error: info.error});
			},
			onGiveUp: ({attempt, error}) => {
				if (error instanceof MatomoError && attempt > 1) {
					error.attempts = attempt;
					error.message += ` (gave up after ${attempt} attempts)`;
				}
			},
		});
	}

	private async apiOnce<T>(method: string, body: string): Promise<T> {
		let target = this.apiEndpoint;
		let response = await this.exchange(target, 'application/x-www-form-urlencoded', body);
		for (let hops = 0; hops < 3 && response.status >= 300 && response.status < 400; hops++) {
			const location = response.headers.location;
			if (typeof location !== 'string') break;
			const next = new URL(location, `${target.origin}${target.path}`);
			const current = new URL(target.origin);
			if (current.protocol === 'https:' && next.protocol !== 'https:') {
				throw new MatomoError(
					'http',
					`the Matomo API at ${this.shownApiUrl} redirects from https to ${next.origin}; the token is not sent ` +
						'unencrypted. Fix the server, or use --api-url with the address you trust',
					{status: response.status, retryable: false},
				);
			}
			if (next.hostname !== current.hostname) {
				throw new MatomoError(
					'http',
					`the Matomo API at ${this.shownApiUrl} redirects to another host (${next.origin}); the token is not sent ` +
						'there. Use --api-url with the final address if that server is your Matomo',
					{status: response.status, retryable: false},
				);
			}
			// Re-POST (not GET, as urllib would): the method, token and params must reach the final address.
			target = {origin: next.origin, path: `${next.pathname}${next.search}`};
			response = await this.exchange(target, 'application/x-www-form-urlencoded', body);
		}
		return this.interpretApi<T>(method, target, response);
	}

	private interpretApi<T>(method: string, target: Target, response: RawResponse): T {
		const {status, text} = response;
		const parsed = parseJson(text);
		const where = `${target.origin}${target.path.split('?')[0]}`;
		const details = {status, body: this.sample(text)};
		if (parsed.ok && isObject(parsed.value) && parsed.value.result === 'error') {
			const matomoMessage = this.redact(String(parsed.value.message ?? 'unknown error'));
			const isAuth = status === 401 || status === 403 || /token|can't access|requires .*access|authenticat|not authorized|permission/i.test(matomoMessage);
			const authMessage = this.options.tokenAuth
				? `Matomo refused the token for ${method}: ${matomoMessage} Check --token-auth (or --login/--password)`
				: `Matomo needs a token for ${method}: ${matomoMessage} Give --token-auth (or --login/--password)`;
			return this.throwApi(isAuth ? 'auth' : 'api', isAuth ? authMessage : `Matomo API error in ${method}: ${matomoMessage}`, {
				...details,
				matomoMessage,
				retryable: false,
			});
		}
		if (status >= 500 || status === 429) {
			return this.throwApi('http', `Matomo API call ${method} failed with HTTP ${status}: ${snippet(this.redact(text))}`, {
				...details,
				retryable: true,
				retryAfterMs: parseRetryAfter(response.headers['retry-after']),
			});
		}
		if (status === 401 || status === 403) {
			return this.throwApi('auth', this.refusal(where, `the API call ${method}`, response, parsed.ok ? parsed.value : undefined), {
				...details,
				retryable: false,
			});
		}
		if (status >= 300) {
			return this.throwApi('http', `Matomo API call ${method} to ${where} failed with HTTP ${status}: ${snippet(this.redact(text))}`, {
				...details,
				retryable: false,
			});
		}
		if (!parsed.ok) {
			const type = String(response.headers['content-type'] ?? 'no content type');
			return this.throwApi(
				'invalid-json',
				`Matomo API call ${method} to ${where} answered HTTP ${status} with something that is not JSON (${type}): ` + `${snippet(this.redact(text))}`,
				{...details, retryable: false},
			);
		}
		return parsed.value as T;
	}

	/**
	 * Why a 401/403 came: Matomo refusing the token (it answers with its JSON error), or a server in front of it asking
	 * for HTTP authentication (a WWW-Authenticate header, or a page that is not Matomo's).
	 */
	private refusal(where: string, what: string, response: RawResponse, json: unknown): string {
		const status = response.status;
		const said = matomoRefusal(response, json);
		if (said !== undefined && !response.headers['www-authenticate']) {
			return `Matomo refused ${what} with HTTP ${status}: ${this.redact(said)} Check the token (--token-auth, MATOMO_TOKEN_AUTH or --token-auth-file): it needs write access to the site`;
		}
		const asked = response.headers['www-authenticate'] ? ' and asks for HTTP authentication' : '';
		const fix = this.authorization
			? 'check --auth-user/--auth-password (or the credentials in --url)'
			: 'give the credentials of that server with --auth-user and --auth-password';
		return `${where} refused ${what} with HTTP ${status}${asked} before Matomo could answer: ${fix}`;
	}

	private throwApi(kind: MatomoErrorKind, message: string, details: MatomoErrorDetails): never {
		throw new MatomoError(kind, message, details);
	}

	/**
	 * Matomo's version, which also proves that the URL is a Matomo and the token works. A refused connection or an
	 * unknown host fails at once (a typo in --url is not worth a minute of retries); 5xx and timeouts are retried.
	 */
	async getVersion(): Promise<string> {
		const isRetryable = (error: unknown) => error instanceof MatomoError && error.retryable && !['ECONNREFUSED', 'ENOTFOUND'].includes(error.code ?? '');
		let answer: unknown;
		try {
			answer = await this.callApi('API.getMatomoVersion', {}, {isRetryable});
		} catch (error) {
			if (!(error instanceof MatomoError)) throw error;
			if (error.kind === 'api' && /does not exist|not available/i.test(error.matomoMessage ?? '')) {
				// Piwik before 3.x: the method had the old name.
				answer = await this.callApi('API.getPiwikVersion', {}, {isRetryable}).catch(inner => {
					throw this.asNotMatomo(inner);
				});
			} else {
				throw this.asNotMatomo(error);
			}
		}
		if (!isObject(answer) || typeof answer.value !== 'string') {
			throw new MatomoError(
				'not-matomo',
				`${this.shownApiUrl} answered JSON, but not like Matomo (${snippet(this.redact(JSON.stringify(answer)), 120)}). ` +
					'Check --url/--api-url: it should be the address of your Matomo, e.g. https://matomo.example.com/',
				{retryable: false},
			);
		}
		return answer.value;
	}

	private asNotMatomo(error: unknown): unknown {
		if (!(error instanceof MatomoError)) return error;
		const notMatomo = error.kind === 'invalid-json' || (error.kind === 'http' && error.status !== undefined && error.status < 500);
		if (!notMatomo) return error;
		return new MatomoError(
			'not-matomo',
			`${this.shownApiUrl} does not answer like a Matomo server (HTTP ${error.status ?? '?'}: ` +
				`${snippet(error.body ?? '', 120) || 'empty answer'}). Check --url/--api-url: it should be the address of ` +
				'your Matomo, e.g. https://matomo.example.com/',
			{status: error.status, body: error.body, retryable: false, cause: error},
		);
	}

	// ----- Bulk tracking -----------------------------------------------------------------------------------------

	/**
	 * Send one bulk tracking request, once. Errors:
	 * - 400 → 'bulk-disabled' (Matomo without the BulkTracking plugin answers 400).
	 * - 5xx → 'http', retryable, with `tracked` when Matomo's JSON error says how many it logged. Beware: with
	 *   Matomo's default `bulk_requests_use_transaction = 1` those were rolled back, so `tracked` is an upper bound.
	 * - reset/refused → 'network', timeout → 'timeout', both retryable (Matomo may have tracked the batch).
	 * - 200 that is not JSON → 'invalid-json', retryable: whether Matomo tracked the batch is unknown (usually it
	 *   did, and a PHP notice spoiled the output), so the caller decides between a resend and a duplicate.
	 * - 3xx → 'http', not retryable: the body would be lost.
	 */
	async sendBulk(list: readonly string[] | EncodedRequests, signal?: AbortSignal): Promise<BulkResult> {
		const encoded = isEncoded(list) ? list : encodeRequests(list);
		const response = await this.exchange(this.tracker, 'application/json', bulkBody(encoded, this.options.tokenAuth), signal);
		const {status, text} = response;
		const where = `${this.tracker.origin}${this.tracker.path.split('?')[0]}`;
		const details = {status, body: this.sample(text)};
		const json = this.bulkJson(text);

		if (status >= 200 && status < 300) {
			if (json === undefined && text.trim() !== '') {
				throw new MatomoError(
					'invalid-json',
					`Matomo answered the bulk tracking request with HTTP ${status} but not with JSON, so whether it tracked ` +
						`the ${plural(encoded.count, 'request')} is unknown: ${snippet(this.redact(text))}`,
					{...details, retryable: true},
				);
			}
			return this.bulkResult(status, json, text);
		}
		if (status >= 300 && status < 400) {
			const location = typeof response.headers.location === 'string' ? response.headers.location : '(no location)';
			const suggestion = location.replace(/\/(matomo|piwik)\.php(\?.*)?$/, '/');
			throw new MatomoError(
				'http',
				`Matomo redirected the tracking request (HTTP ${status}) to ${location}. Tracking requests are not ` +
					`redirected, because the hits they carry would be lost; use --url ${suggestion}`,
				{...details, retryable: false},
			);
		}
		if (status === 400) {
			throw new MatomoError('bulk-disabled', 'Server returned status 400 (Bad Request).\nIs the BulkTracking plugin disabled?', {
				...details,
				retryable: false,
			});
		}
		if (status === 401 || status === 403) {
			throw new MatomoError('auth', this.refusal(where, 'the tracking request', response, json), {...details, retryable: false});
		}
		if (status === 413) {
			throw new MatomoError(
				'too-large',
				`${where} refused a bulk request of ${plural(encoded.count, 'hit')} as too large (HTTP 413); send fewer hits per request`,
				{...details, retryable: false},
			);
		}
		const tracked = isObject(json) && typeof json.tracked === 'number' ? json.tracked : undefined;
		const retryable = status >= 500 || status === 429;
		throw new MatomoError(
			'http',
			`Matomo answered HTTP ${status} to a bulk tracking request of ${plural(encoded.count, 'hit')}` +
				(tracked === undefined ? '' : ` (it tracked ${tracked} before failing)`) +
				(json === undefined ? `: ${snippet(this.redact(text))}` : ''),
			{...details, tracked, retryable, retryAfterMs: parseRetryAfter(response.headers['retry-after'])},
		);
	}

	/** The JSON of a bulk answer; with debug=1 Matomo prints its debug log first, so look for the last object. */
	private bulkJson(text: string): unknown {
		const whole = parseJson(text.trim());
		if (whole.ok) return whole.value;
		if (this.options.debugTracker) {
			const start = text.lastIndexOf('{"status"');
			if (start >= 0) {
				const tail = parseJson(text.slice(start).trim());
				if (tail.ok) return tail.value;
			}
		}
		return undefined;
	}

	private bulkResult(httpStatus: number, json: unknown, text: string): BulkResult {
		const body = isObject(json) ? json : {};
		const indices = Array.isArray(body.invalid_indices) ? body.invalid_indices : [];
		return {
			httpStatus,
			tracked: typeof body.tracked === 'number' ? body.tracked : null,
			invalid: typeof body.invalid === 'number' ? body.invalid : null,
			invalidIndices: indices.filter((index): index is number => Number.isInteger(index)),
			status: typeof body.status === 'string' ? body.status : null,
			rawBody: this.redact(text),
		};
	}

	/** Close the connections. Callers await their requests first; anything still running after 1 s is dropped. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		let timer: NodeJS.Timeout | undefined;
		const grace = new Promise<'late'>(resolve => {
			timer = setTimeout(() => resolve('late'), 1000);
		});
		const outcome = await Promise.race([this.http.agent.close().then(() => 'closed' as const), grace]);
		clearTimeout(timer);
		if (outcome === 'late') await this.http.agent.destroy();
	}
}
