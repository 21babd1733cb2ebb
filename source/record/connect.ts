/**
 * Connecting to Matomo before an import: the client, the token (flag, environment, file, or --login/--password),
 * and a version check that turns "wrong URL", "not a Matomo" and "bad token" into one clear sentence.
 */
import type {ImportConfig} from '../options/config.js';
import {MatomoClient, MatomoError} from './matomo-client.js';
import {ServerTokenError, tokenFromMatomoServer} from './server-token.js';

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
			const answer = await anonymous.api<{value?: string}>(
				'UsersManager.createAppSpecificTokenAuth',
				{
					userLogin: config.login,
					passwordConfirmation: config.password,
					description: 'Log importer',
					expireHours: '48',
				},
				{withToken: false},
			);
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

	if (token === undefined && config.matomoConfigFile !== undefined) {
		try {
			token = await tokenFromMatomoServer({
				configFile: config.matomoConfigFile,
				phpBinary: config.phpBinary,
				matomoUrl: config.url,
				testmode: config.enableTestmode,
			});
			options.log?.("A temporary token was obtained from Matomo's updatetoken.php (not saved).");
		} catch (error) {
			if (error instanceof ServerTokenError) throw new MatomoSetupError(error.message);
			throw error;
		}
	}

	if (token === undefined && !config.dryRun) {
		throw new MatomoSetupError(
			'no token: set MATOMO_TOKEN_AUTH, or give --token-auth-file, --token-auth, or --login and --password (the token needs write access to the sites); ' +
				'on the Matomo server itself, --config=/path/to/matomo/config/config.ini.php gets a temporary token through PHP (we are not installed inside Matomo, so give the path)',
		);
	}

	const client = createClient(config, token);
	try {
		const version = await client.getVersion();
		options.log?.(`Connected to Matomo ${version} at ${config.url}`);
		if (!config.dryRun) await checkWriteAccess(client, config.idsite);
		return {client, version};
	} catch (error) {
		await client.close();
		if (error instanceof MatomoError) throw new MatomoSetupError(error.message, error);
		throw error;
	}
}

/** Whether Matomo lacks an API method (an older version): then what it would tell is not checked. */
function missingMethod(error: unknown): boolean {
	return error instanceof MatomoError && error.kind === 'api' && /does not exist|not available/i.test(error.matomoMessage ?? error.message);
}

/**
 * A token that can only view is accepted by every API call the import makes, but Matomo counts every hit it sends as
 * invalid (setting the visitor's IP and the date of past hits needs write access): say so before sending anything.
 */
async function checkWriteAccess(client: MatomoClient, idsite: string | undefined): Promise<void> {
	let writable: Set<number>;
	try {
		const superUser = await client.api<{value?: unknown}>('UsersManager.hasSuperUserAccess');
		if (superUser?.value === true) return;
		const ids = async (method: string) => {
			try {
				const answer = await client.api<unknown>(method);
				return Array.isArray(answer) ? answer.map(Number) : [];
			} catch (error) {
				if (missingMethod(error)) return [];
				throw error;
			}
		};

		writable = new Set([...(await ids('SitesManager.getSitesIdWithAdminAccess')), ...(await ids('SitesManager.getSitesIdWithWriteAccess'))]);
	} catch (error) {
		if (missingMethod(error)) return;
		throw error;
	}

	const fix =
		"Tracking the visitors' IPs and the dates of past hits needs a token of a user with write (or admin) access to the site: " +
		'Matomo › Administration › System › Users, or create the token as such a user.';
	if (writable.size === 0)
		throw new MatomoSetupError(`the token can read Matomo but cannot write to any site, so Matomo would count every hit as invalid. ${fix}`, {kind: 'auth'});
	if (idsite !== undefined && /^\d+$/.test(idsite) && !writable.has(Number(idsite))) {
		throw new MatomoSetupError(
			`the token cannot write to site ${idsite} (it can write to ${[...writable].sort((a, b) => a - b).join(', ')}), so Matomo would count every hit as invalid. ${fix}`,
			{kind: 'auth'},
		);
	}
}
