/**
 * The wizard's questions to Matomo: is this a Matomo, does the token work, which sites may it write to. Failures
 * become a plain sentence and the fix, never a stack trace.
 */
import type {ImportConfig} from '../options/config.js';
import {redactUrl} from '../options/equivalent-command.js';
import {connectMatomo, createClient, MatomoSetupError} from '../record/connect.js';
import {MatomoError, type MatomoClient} from '../record/matomo-client.js';

export interface MatomoProblem {
	/** What went wrong, in one sentence. */
	readonly problem: string;
	/** What to do about it. */
	readonly fix: string;
	/** Which answer to change: the address or the token. */
	readonly field: 'url' | 'token';
}

export class MatomoCheckError extends Error {
	override readonly name = 'MatomoCheckError';
	constructor(readonly details: MatomoProblem) {
		super(details.problem);
	}
}

export interface MatomoCheck {
	readonly client: MatomoClient;
	readonly version: string;
}

export interface SiteChoice {
	readonly id: string;
	readonly name: string;
	readonly url: string;
}

export interface SiteList {
	readonly sites: SiteChoice[];
	/** 'admin': the token may write to these; 'view': it may only read them (tracking will likely be refused). */
	readonly access: 'admin' | 'view' | 'none';
}

/** The wizard waits on this with a spinner: one attempt, a bounded wait, no minute of retries behind a typo. */
function quick(config: ImportConfig): ImportConfig {
	return {...config, retryMaxAttempts: 1, retryDelayMs: 0, requestTimeoutMs: checkWaitMs(config)};
}

/** How long the wizard's check waits for an answer, at most (said on the screen). */
export function checkWaitMs(config: Pick<ImportConfig, 'requestTimeoutMs'>): number {
	return Math.min(config.requestTimeoutMs, 20_000);
}

/**
 * The address alone, as soon as it is typed (before the token): a Matomo answers, even if only "a token is needed".
 * Resolves when it is a Matomo or when that cannot be told; throws a MatomoCheckError about the address otherwise.
 */
export async function probeAddress(config: ImportConfig): Promise<void> {
	const client = createClient(quick(config), undefined);
	try {
		await client.getVersion();
	} catch (error) {
		// Matomo's own answer ("a token is needed", any API error): the address is right.
		if (!(error instanceof MatomoError) || error.kind === 'api' || error.kind === 'auth' || error.matomoMessage !== undefined) return;
		const details = explainMatomoError(error, config.url === undefined ? undefined : redactUrl(config.url));
		if (details.field === 'url') throw new MatomoCheckError(details);
	} finally {
		await client.close();
	}
}

export function explainMatomoError(error: unknown, url: string | undefined): MatomoProblem {
	const where = url ?? 'this address';
	if (error instanceof MatomoError) {
		switch (error.kind) {
			case 'network':
				return {
					field: 'url',
					problem: capitalize(error.message),
					fix: 'Check the address (http or https, host name, port) and that Matomo is running and reachable from here.',
				};
			case 'timeout':
				return {
					field: 'url',
					problem: `${where} did not answer in time.`,
					fix: 'Check the address and the network; a busy Matomo may need a longer --request-timeout.',
				};
			case 'not-matomo':
			case 'invalid-json':
				return {
					field: 'url',
					problem: `${where} does not look like a Matomo.`,
					fix: 'Give the address where you log in to Matomo, e.g. https://matomo.example.com/ (not the site it tracks).',
				};
			case 'auth':
				if (error.status !== undefined && /auth-user/.test(error.message)) {
					return {
						field: 'url',
						problem: `A password-protected proxy in front of ${where} refused the request (HTTP ${error.status}).`,
						fix: "Start again with --auth-user and --auth-password (the proxy's user and password).",
					};
				}

				return {
					field: 'token',
					problem: 'Matomo refused this token: it is wrong, expired or was deleted.',
					fix: 'In Matomo: Administration › Personal › Security › Auth tokens › Create new token (for a user with write access), then paste it here.',
				};
			case 'tls':
				return {
					field: 'url',
					problem: `The https (TLS) connection to ${where} failed${error.code ? ` (${error.code})` : ''}.`,
					fix: "Check the scheme (http:// or https://) and the server's certificate (expired, self-signed, for another host name). For a test server only: --accept-invalid-ssl-certificate.",
				};
			default:
				// A server that does not have Matomo's API there (a plain web server: 404, 405, 501 Unsupported method):
				// not Matomo's error, not Matomo.
				if (error.kind === 'http' && error.status !== undefined && [400, 404, 405, 501].includes(error.status) && error.matomoMessage === undefined) {
					return {
						field: 'url',
						problem: `${where} is not a Matomo: it answered HTTP ${error.status} where Matomo's API should be (${error.message}).`,
						fix: 'Give the address where you log in to Matomo, e.g. https://matomo.example.com/ (not the site it tracks).',
					};
				}

				return {
					field: 'url',
					problem: `Matomo answered with an error: ${error.message}`,
					fix: "Check the address; if it is right, Matomo's own logs say more.",
				};
		}
	}

	if (error instanceof MatomoSetupError) {
		return {
			field: /token|login|password/i.test(error.message) ? 'token' : 'url',
			problem: error.message,
			fix: 'Check the address and the token.',
		};
	}

	return {field: 'url', problem: error instanceof Error ? error.message : String(error), fix: 'Check the address.'};
}

function capitalize(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Connect with the wizard's answers: the version proves the address and the token. */
export async function checkMatomo(config: ImportConfig): Promise<MatomoCheck> {
	const settings = quick(config);
	if (config.tokenAuth === undefined && config.login !== undefined) {
		try {
			const connection = await connectMatomo(settings);
			return {client: connection!.client, version: connection!.version};
		} catch (error) {
			throw new MatomoCheckError(explainMatomoError(error, config.url === undefined ? undefined : redactUrl(config.url)));
		}
	}

	const client = createClient(settings, config.tokenAuth);
	try {
		return {client, version: await client.getVersion()};
	} catch (error) {
		await client.close();
		throw new MatomoCheckError(explainMatomoError(error, config.url === undefined ? undefined : redactUrl(config.url)));
	}
}

interface SiteRow {
	idsite?: unknown;
	name?: unknown;
	main_url?: unknown;
}

function toChoices(rows: unknown): SiteChoice[] {
	if (!Array.isArray(rows)) return [];
	return (rows as SiteRow[])
		.filter(row => row && (typeof row.idsite === 'number' || typeof row.idsite === 'string'))
		.map(row => ({id: String(row.idsite), name: String(row.name ?? ''), url: String(row.main_url ?? '')}))
		.sort((a, b) => Number(a.id) - Number(b.id));
}

/** The sites the token can write to; the ones it can see when there are none (with `access` saying so). */
export async function listSites(client: MatomoClient): Promise<SiteList> {
	let admin: SiteChoice[] = [];
	try {
		admin = toChoices(await client.api('SitesManager.getSitesWithAdminAccess'));
	} catch (error) {
		// Older Matomo versions or restricted APIs: the view list below still tells what exists.
		if (error instanceof MatomoError && error.kind === 'auth') throw new MatomoCheckError(explainMatomoError(error, undefined));
	}

	if (admin.length > 0) return {sites: admin, access: 'admin'};
	const view = toChoices(await client.api('SitesManager.getSitesWithAtLeastViewAccess'));
	return {sites: view, access: view.length > 0 ? 'view' : 'none'};
}
