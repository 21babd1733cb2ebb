/**
 * Step 1, Matomo: the address and the token (typed masked, or from --token-auth, MATOMO_TOKEN_AUTH, a token file),
 * checked with a spinner; then the site. A failed check says what is wrong and how to fix it, and goes back to the
 * answer to change.
 */
import {useEffect, useRef, useState} from 'react';
import {Box, Text} from 'ink';
import Spinner from 'ink-spinner';
import {buildConfig, type ImportConfig} from '../options/config.js';
import {redactUrl} from '../options/equivalent-command.js';
import {TextField} from './text-field.js';
import {SitePicker} from './site-picker.js';
import {useKeys} from './use-keys.js';
import {useTheme} from './theme.js';
import {
	checkMatomo,
	checkWaitMs,
	probeAddress,
	explainMatomoError,
	listSites,
	MatomoCheckError,
	type MatomoCheck,
	type MatomoProblem,
	type SiteList,
} from './matomo-check.js';
import {applyChanges, givenText, type GivenChanges, type GivenMap} from './given.js';

export interface MatomoConnectionInfo extends MatomoCheck {
	readonly url: string;
	readonly sites: SiteList;
	/** Where the token came from, for the review (never the token). */
	readonly tokenSource: ImportConfig['tokenSource'];
}

export interface MatomoStepProps {
	readonly given: GivenMap;
	readonly files: readonly string[];
	readonly env: NodeJS.ProcessEnv;
	/** Answers given as flags: check at once and, when the site is known too, go on without a question. */
	readonly auto: boolean;
	readonly width: number;
	readonly onDone: (changes: GivenChanges, connection: MatomoConnectionInfo) => void;
}

type Phase = 'url' | 'token' | 'checking' | 'sites';

const siteFlags = ['idsite', 'idsite-fallback', 'add-sites-new-hosts'];

function tokenKnown(given: GivenMap, env: NodeJS.ProcessEnv): boolean {
	return given.has('token-auth') || Boolean(env.MATOMO_TOKEN_AUTH) || given.has('token-auth-file') || (given.has('login') && given.has('password'));
}

const tokenSourceLabel: Record<NonNullable<ImportConfig['tokenSource']>, string> = {
	flag: 'the token typed or given with --token-auth',
	env: 'the token in MATOMO_TOKEN_AUTH',
	file: 'the token in --token-auth-file',
	login: 'a token made with --login/--password',
};

/** The settings as answered so far, for what only needs their defaults when they are not valid yet. */
function safeConfig(current: GivenMap, files: readonly string[], env: NodeJS.ProcessEnv): {requestTimeoutMs: number} {
	try {
		return buildConfig(current, files, env);
	} catch {
		return {requestTimeoutMs: 20_000};
	}
}

export function MatomoStep({given, files, env, auto, width, onDone}: MatomoStepProps) {
	const theme = useTheme();
	const [url, setUrl] = useState(givenText(given, 'url') ?? '');
	const [token, setToken] = useState('');
	// Answers of this step, applied to `given` when it is done.
	const [changes, setChanges] = useState<Record<string, string | undefined>>({});
	const [problem, setProblem] = useState<MatomoProblem | undefined>();
	const [check, setCheck] = useState<(MatomoCheck & {sites: SiteList; config: ImportConfig}) | undefined>();
	const [phase, setPhase] = useState<Phase>(() => {
		if (url === '') return 'url';
		if (!auto) return 'url';
		return tokenKnown(given, env) ? 'checking' : 'token';
	});
	const autoRef = useRef(auto);

	const current = applyChanges(given, changes);

	// Runs whenever the phase becomes 'checking': the address and token as answered so far.
	useEffect(() => {
		if (phase !== 'checking') return;
		let config: ImportConfig;
		try {
			config = buildConfig(current, files, env);
		} catch (error) {
			setProblem({field: 'url', problem: error instanceof Error ? error.message : String(error), fix: 'Change the answer and try again.'});
			setPhase('url');
			return;
		}

		let cancelled = false;
		let connected: MatomoCheck | undefined;
		void (async () => {
			try {
				connected = await checkMatomo(config);
				const sites = await listSites(connected.client);
				if (cancelled) {
					await connected.client.close();
					return;
				}

				setProblem(undefined);
				setCheck({...connected, sites, config});
				if (autoRef.current && siteFlags.some(flag => current.has(flag))) {
					finish(connected, sites, config, {});
					return;
				}

				setPhase('sites');
			} catch (error) {
				await connected?.client.close();
				if (cancelled) return;
				const details =
					error instanceof MatomoCheckError ? error.details : explainMatomoError(error, config.url === undefined ? undefined : redactUrl(config.url));
				autoRef.current = false;
				setProblem(details);
				setPhase(details.field === 'token' ? 'token' : 'url');
			}
		})();
		return () => {
			cancelled = true;
		};
		// The phase switch is the trigger; the answers are read as they are at that moment.
	}, [phase]);

	const finish = (connection: MatomoCheck, sites: SiteList, config: ImportConfig, siteChanges: GivenChanges) => {
		onDone(
			{...changes, ...siteChanges},
			{client: connection.client, version: connection.version, url: config.url ?? url, sites, tokenSource: config.tokenSource},
		);
	};

	useKeys(
		(_input, key) => {
			// Esc from the token goes back to the address; Esc during a check cancels it (its answer is ignored).
			if (key.escape && phase === 'token') setPhase('url');
			if (key.escape && phase === 'checking') {
				autoRef.current = false;
				setProblem({field: 'url', problem: 'Check cancelled.', fix: 'Change the address or press Enter to check it again.'});
				setPhase('url');
			}
		},
		phase === 'token' || phase === 'checking',
	);

	// While the token is typed, the address is already checked: a wrong one is said before the token is asked for.
	useEffect(() => {
		if (phase !== 'token') return;
		let config: ImportConfig;
		try {
			config = buildConfig(current, files, env);
		} catch {
			return;
		}

		let cancelled = false;
		probeAddress(config).catch((error: unknown) => {
			if (cancelled || !(error instanceof MatomoCheckError)) return;
			setProblem(error.details);
			setPhase('url');
		});
		return () => {
			cancelled = true;
		};
	}, [phase]);

	const submitUrl = (value: string) => {
		const trimmed = value.trim();
		if (trimmed === '') return;
		setChanges(previous => ({...previous, url: trimmed}));
		setProblem(undefined);
		// A token the user typed earlier in this step, or one from the flags/environment, is kept.
		setPhase(tokenKnown(applyChanges(current, {url: trimmed}), env) ? 'checking' : 'token');
	};

	const submitToken = (value: string) => {
		const trimmed = value.trim();
		if (trimmed === '') return;
		setChanges(previous => ({...previous, 'token-auth': trimmed}));
		setToken('');
		setProblem(undefined);
		setPhase('checking');
	};

	const problemView = problem ? (
		<Box flexDirection="column" marginBottom={1} width={width}>
			<Text color={theme.error} wrap="wrap">
				✗ {problem.problem}
			</Text>
			<Box>
				<Box flexShrink={0}>
					<Text bold> Fix: </Text>
				</Box>
				<Text wrap="wrap">{problem.fix}</Text>
			</Box>
		</Box>
	) : null;

	const fieldWidth = Math.max(20, width - 12);
	switch (phase) {
		case 'url':
			return (
				<Box flexDirection="column">
					{problemView}
					<Text>The address of your Matomo (where you log in):</Text>
					<TextField label="URL" value={url} placeholder="https://matomo.example.com/" width={fieldWidth} onChange={setUrl} onSubmit={submitUrl} />
					<Text dimColor>Enter continue{tokenKnown(current, env) ? ` · the token: ${describeTokenSource(current, env)}` : ''}</Text>
				</Box>
			);
		case 'token':
			return (
				<Box flexDirection="column">
					{problemView}
					<Text wrap="wrap">A token_auth with write access to the sites (in Matomo: Personal › Security › Auth tokens):</Text>
					<TextField mask label="Token" value={token} width={fieldWidth} onChange={setToken} onSubmit={submitToken} />
					<Text dimColor wrap="wrap">
						Hidden as you type · Enter check · Esc back to the address
					</Text>
				</Box>
			);
		case 'checking':
			return (
				<Box>
					<Text color={theme.accent}>
						<Spinner type="dots" />
					</Text>
					<Text> Checking {redactUrl(current.get('url') === undefined ? url : String(current.get('url')))}…</Text>
					<Text dimColor>{` (waits up to ${Math.round(checkWaitMs(safeConfig(current, files, env)) / 1000)} s · Esc cancel)`}</Text>
				</Box>
			);
		case 'sites':
			return (
				<Box flexDirection="column">
					<Text color={theme.ok}>
						✔ Matomo {check?.version} at {redactUrl(check?.config.url ?? '')}
						{check?.config.tokenSource ? <Text dimColor>{` (${tokenSourceLabel[check.config.tokenSource]})`}</Text> : null}
					</Text>
					<SitePicker
						list={check!.sites}
						given={current}
						width={width - 2}
						onDone={siteChanges => {
							finish(check!, check!.sites, check!.config, siteChanges);
						}}
						onBack={() => {
							void check?.client.close();
							setCheck(undefined);
							setPhase('token');
						}}
						onRefresh={() => {
							void check?.client.close();
							setCheck(undefined);
							setPhase('checking');
						}}
					/>
				</Box>
			);
	}
}

function describeTokenSource(given: GivenMap, env: NodeJS.ProcessEnv): string {
	if (given.has('token-auth')) return 'given';
	if (env.MATOMO_TOKEN_AUTH) return 'from MATOMO_TOKEN_AUTH';
	if (given.has('token-auth-file')) return `from ${givenText(given, 'token-auth-file')}`;
	return 'from --login/--password';
}
