/**
 * A token without a token: run on the Matomo server itself, the importer asks Matomo for a temporary super-user
 * token, as import_logs.py does when it gets no --token-auth. Matomo's `misc/cron/updatetoken.php` (run with PHP as
 * the user that owns Matomo) writes the token to a file in Matomo's tmp folder and prints that file's path; the
 * file reads `<?php exit; //<TAB>TOKEN`. The token stays in memory: never printed, logged or saved by us.
 *
 * import_logs.py lives inside Matomo and finds config.ini.php next to itself; we are installed elsewhere, so the
 * path is given with --config.
 */
import {execFile} from 'node:child_process';
import {access, readFile} from 'node:fs/promises';
import {constants} from 'node:fs';
import path from 'node:path';

export class ServerTokenError extends Error {
	override readonly name = 'ServerTokenError';
}

export interface ServerTokenOptions {
	/** Matomo's config/config.ini.php. */
	configFile: string;
	phpBinary: string;
	/** --url: its host name is the domain Matomo is told it serves. */
	matomoUrl: string;
	testmode?: boolean;
}

/** The script beside the config file: `<matomo>/config/config.ini.php` → `<matomo>/misc/cron/updatetoken.php`. */
export function updateTokenScript(configFile: string): string {
	return path.resolve(path.dirname(configFile), '..', 'misc', 'cron', 'updatetoken.php');
}

function run(command: string, args: readonly string[]): Promise<{stdout: string; stderr: string}> {
	return new Promise((resolve, reject) => {
		execFile(command, args, {timeout: 120_000, maxBuffer: 1024 * 1024}, (error, stdout, stderr) => {
			if (error) reject(Object.assign(error, {stdout, stderr}));
			else resolve({stdout, stderr});
		});
	});
}

export async function tokenFromMatomoServer(options: ServerTokenOptions): Promise<string> {
	const {configFile, phpBinary} = options;
	const alternative = 'Alternatively give a token (MATOMO_TOKEN_AUTH, --token-auth-file, --token-auth) or --login and --password.';
	try {
		await access(configFile, constants.R_OK);
	} catch (error) {
		throw new ServerTokenError(
			`the Matomo configuration file ${configFile} could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): give --config the path of config/config.ini.php in your Matomo, and run as a user that may read it. ${alternative}`,
		);
	}

	const script = updateTokenScript(configFile);
	const args = [script, ...(options.testmode ? ['--testmode'] : []), `--matomo-domain=${new URL(options.matomoUrl).hostname}`];
	let stdout: string;
	try {
		({stdout} = await run(phpBinary, args));
	} catch (error) {
		const failure = error as NodeJS.ErrnoException & {stderr?: string; code?: string | number};
		const why =
			failure.code === 'ENOENT'
				? `${phpBinary} was not found (give the PHP binary with --php-binary)`
				: `it failed with exit status ${String(failure.code ?? '?')}: ${(failure.stderr ?? '').trim().split('\n').slice(-3).join(' ') || failure.message}`;
		throw new ServerTokenError(`could not get a token from Matomo: \`${phpBinary} ${args.join(' ')}\` ${why}. ${alternative}`);
	}

	const tokenFile = stdout.trim().split('\n').at(-1)?.trim() ?? '';
	let token: string | undefined;
	try {
		token = (await readFile(tokenFile, 'utf8')).split('\n')[0]?.split('\t')[1]?.trim();
	} catch {}

	if (!token)
		throw new ServerTokenError(
			`could not get a token from Matomo: ${path.basename(script)} did not write one where it said (${tokenFile || 'no path printed'}). ${alternative}`,
		);
	return token;
}
