/** Small helpers of the Matomo client: reading answers (JSON, snippets for messages) and errors (codes, kinds). */

export const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

export function parseJson(text: string): {ok: true; value: unknown} | {ok: false} {
	try {
		return {ok: true, value: JSON.parse(text)};
	} catch {
		return {ok: false};
	}
}

/** A short, one-line extract of a body for a message; HTML tags go, their text stays. */
export function snippet(text: string, max = 200): string {
	const flat = text
		.replace(/<[^>]*>/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
	return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Every error code in an error, its causes, and the members of an AggregateError (IPv4 + IPv6 attempts). */
export function errorCodes(error: unknown, seen = new Set<unknown>()): string[] {
	if (!error || typeof error !== 'object' || seen.has(error)) return [];
	seen.add(error);
	const record = error as {code?: unknown; cause?: unknown; errors?: unknown};
	const codes = typeof record.code === 'string' ? [record.code] : [];
	codes.push(...errorCodes(record.cause, seen));
	if (Array.isArray(record.errors)) for (const inner of record.errors) codes.push(...errorCodes(inner, seen));
	return codes;
}

export function innermostMessage(error: unknown): string {
	let current: unknown = error;
	let message = error instanceof Error ? error.message : String(error);
	for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
		if (current.message) message = current.message;
		current = (current as {cause?: unknown}).cause;
	}
	return message;
}

export const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
export const NETWORK_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'EPIPE',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ENETDOWN',
	'ECONNABORTED',
	'UND_ERR_SOCKET',
	'UND_ERR_CLOSED',
]);
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const isTlsCode = (code: string) => /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/.test(code);

export function stripSlashes(path: string): string {
	return path.replace(/\/+$/, '');
}

export function appendSuffix(path: string, suffix: string | undefined): string {
	if (!suffix) return path;
	const raw = suffix.replace(/^[?&]/, '');
	return raw ? `${path}${path.includes('?') ? '&' : '?'}${raw}` : path;
}

export interface Target {
	/** scheme://host:port */
	origin: string;
	/** Path and query, sent as they are. */
	path: string;
}

export interface RawResponse {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	text: string;
}

/**
 * What Matomo said when it refused a request, or undefined when the answer is not Matomo's: its JSON error, or its
 * HTML error page (Matomo 5 answers a bad token on the API that way, with its X-Matomo-Request-Id header).
 */
export function matomoRefusal(response: RawResponse, json: unknown): string | undefined {
	if (isObject(json) && ('status' in json || 'result' in json || 'message' in json)) {
		return typeof json.message === 'string' ? json.message : "(no reason given; --debug-tracker shows Matomo's).";
	}

	const page = response.text;
	if (!response.headers['x-matomo-request-id'] && !/Matomo (&rsaquo;|›) Error/.test(page)) return undefined;
	const reason = /An error occurred\s*<\/[^>]+>([\s\S]*?)(<a |Go Back)/i.exec(page)?.[1];
	return reason === undefined ? snippet(page) : snippet(reason);
}
