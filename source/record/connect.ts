/**
 * Connecting to Matomo before an import: the client, the token (flag, environment, file, or --login/--password),
 * and a version check that turns "wrong URL", "not a Matomo" and "bad token" into one clear sentence.
 */
import type {ImportConfig} from '../options/config.js';
import {MatomoClient, MatomoError} from './matomo-client.js';

export class MatomoSetupError extends Error {
	override readonly name = 'MatomoSetupError';
	/** The client's error kind ('auth', 'not-matomo', 'tls', 'network', …) when Matomo's answer was the problem. */
	readonly kind: string | undefined;
	readonly status: number | undefined;

	constructor(message: string, cause?: {kind?: string; status?: number}) {
		super(message);
		this.kind = cause?.kind;
		this.status = cause?.status;
	}
}

export interface MatomoConnection {
	client: MatomoClient;
	version: string;
}

export function createClient(config: ImportConfig, tokenAuth: string | undefined): MatomoClient {
	return new MatomoClient({
		url: config.url!,
		apiUrl: config.apiUrl,
		tokenAuth,
		trackerPath: config.trackerPath,
		requestTimeoutMs: config.requestTimeoutMs,
		retryMaxAttempts: config.retryMaxAttempts,
		retryDelayMs: config.retryDelayMs,
		acceptInvalidCertificate: config.acceptInvalidCertificate,
		authUser: config.authUser,
		authPassword: config.authPassword,
		requestSuffix: config.requestSuffix,
		debugTracker: config.debugTracker,
		connections: typeof config.recorders === 'number' ? Math.max(4, config.recorders) : 16,
	});
}

/**
 * Returns undefined for an offline dry run (no --url). Throws MatomoSetupError with a message that says what to do.
 */
export async function connectMatomo(config: ImportConfig, options: {log?: (message: string) => void} = {}): Promise<MatomoConnection | undefined> {
	if (config.url === undefined) {
		if (config.dryRun) return undefined;
		throw new MatomoSetupError('--url is required: the address of your Matomo, e.g. --url=https://matomo.example.com');
	}

	let token = config.tokenAuth;
	if (token === undefined && config.login !== undefined && config.password !== undefined) {
		const anonymous = createClient(config, undefined);
		try {
			const answer = await anonymous.api<{value?: string}>('UsersManager.createAppSpecificTokenAuth', {
				userLogin: config.login,
				passwordConfirmation: config.password,
				description: 'Log importer',
				expireHours: '48',
			}, {withToken: false});
			if (!answer?.value) throw new MatomoSetupError('error fetching authentication token token_auth');
			token = answer.value;
			options.log?.('Authentication token created with --login/--password (valid 48 hours).');
		} catch (error) {
			if (error instanceof MatomoSetupError) throw error;
			throw new MatomoSetupError(`error fetching authentication token token_auth: ${(error as Error).message}`);
		} finally {
			await anonymous.close();
		}
	}

	if (token === undefined && !config.dryRun) {
		throw new MatomoSetupError('no token: set MATOMO_TOKEN_AUTH, or give --token-auth-file, --token-auth, or --login and --password (the token needs write access to the sites)');
	}

	const client = createClient(config, token);
	try {
		const version = await client.getVersion();
		options.log?.(`Connected to Matomo ${version} at ${config.url}`);
		return {client, version};
	} catch (error) {
		await client.close();
		if (error instanceof MatomoError) throw new MatomoSetupError(error.message, error);
		throw error;
	}
}
