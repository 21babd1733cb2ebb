/** The one error of the Matomo client: what went wrong (its kind), what Matomo answered, and whether to retry. */
import {NETWORK_CODES, TIMEOUT_CODES, errorCodes, isTlsCode} from './http-text.js';

export type MatomoErrorKind =
	| 'http'
	| 'network'
	| 'timeout'
	| 'api'
	| 'invalid-json'
	| 'bulk-disabled'
	| 'auth'
	| 'not-matomo'
	| 'tls'
	/** HTTP 413: the request was too large for the server (the recorders send fewer hits at a time). */
	| 'too-large';

export interface MatomoErrorDetails {
	status?: number;
	body?: string;
	tracked?: number;
	retryable?: boolean;
	retryAfterMs?: number;
	code?: string;
	matomoMessage?: string;
	cause?: unknown;
}

export const BODY_SAMPLE_CHARS = 2000;

export class MatomoError extends Error {
	override readonly name = 'MatomoError';
	readonly kind: MatomoErrorKind;
	/** HTTP status, when Matomo answered. */
	readonly status?: number;
	/** The start of the answer's body (token redacted). */
	readonly body?: string;
	/** Bulk tracking: how many requests Matomo says it tracked before failing (from a JSON error body). */
	readonly tracked?: number;
	readonly retryable: boolean;
	/** From a Retry-After header (429/503). */
	readonly retryAfterMs?: number;
	/** The system or undici error code behind a network/TLS/timeout error (ECONNREFUSED, …). */
	readonly code?: string;
	/** Matomo's own message for an API error. */
	readonly matomoMessage?: string;
	/** Set by withRetry when it gave up: how many attempts were made. */
	attempts?: number;

	constructor(kind: MatomoErrorKind, message: string, details: MatomoErrorDetails = {}) {
		super(message, details.cause === undefined ? undefined : {cause: details.cause});
		this.kind = kind;
		this.status = details.status;
		this.body = details.body;
		this.tracked = details.tracked;
		this.retryable = details.retryable ?? (kind === 'network' || kind === 'timeout');
		this.retryAfterMs = details.retryAfterMs;
		this.code = details.code;
		this.matomoMessage = details.matomoMessage;
	}
}

/** A request that got no answer, as an error that says what happened (`detail`: the innermost message, redacted). */
export function classifyFailure(error: unknown, where: string, timeoutMs: number, detail: string): MatomoError {
	const codes = errorCodes(error);
	const code = codes.find(c => TIMEOUT_CODES.has(c) || NETWORK_CODES.has(c) || isTlsCode(c)) ?? codes[0];
	if (code && TIMEOUT_CODES.has(code)) {
		return new MatomoError('timeout', `Matomo at ${where} did not answer within ${timeoutMs} ms (${code})`, {code, cause: error});
	}
	if (code && isTlsCode(code)) {
		return new MatomoError(
			'tls',
			`TLS problem with ${where}: ${detail} (${code}). If you trust this server (for example a self-signed ` +
				'certificate), run again with --accept-invalid-ssl-certificate',
			{code, retryable: false, cause: error},
		);
	}
	if (code === 'ECONNREFUSED') {
		return new MatomoError('network', `cannot connect to Matomo at ${where}: connection refused (ECONNREFUSED)`, {code, cause: error});
	}
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
		return new MatomoError('network', `cannot connect to Matomo at ${where}: host not found (${code})`, {code, cause: error});
	}
	if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') {
		return new MatomoError('network', `connection to Matomo at ${where} was closed unexpectedly (${code})`, {code, cause: error});
	}
	if (code && NETWORK_CODES.has(code)) {
		return new MatomoError('network', `connection to Matomo at ${where} failed: ${detail} (${code})`, {code, cause: error});
	}
	// Anything else (an invalid --request-suffix, a bug) will not get better by trying again.
	return new MatomoError('network', `request to Matomo at ${where} failed: ${detail}${code ? ` (${code})` : ''}`, {
		code,
		retryable: false,
		cause: error,
	});
}
