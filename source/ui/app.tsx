/**
 * The interactive program: the wizard, then the dashboard of the import, then the summary. It owns the import run
 * and the Matomo connections, and decides what Ctrl+C and signals mean at each moment:
 * - in the wizard: leave at once (nothing started);
 * - while importing: first Ctrl+C (or q, or SIGINT/SIGTERM) stops gracefully, finishing the batches in flight; a
 *   second Ctrl+C (or signal) stops at once.
 */
import {useEffect, useRef, useState, type ReactElement, type ReactNode} from 'react';
import type {EventEmitter} from 'node:events';
import {Box, Text, useApp} from 'ink';
import {buildConfig, type ImportConfig} from '../options/config.js';
import type {ImportRun} from '../run/import-run.js';
import {debugLogFile} from '../run/log-file.js';
import {RunSession} from '../run/session.js';
import {Wizard, type WizardResult} from './wizard.js';
import {Dashboard} from './dashboard.js';
import {SamplesPanel, SampleFeed, type LogItem} from './samples-panel.js';
import {SummaryScreen} from './summary-screen.js';
import {FinalReport} from './final-report.js';
import {commandFor} from './review-step.js';
import {redactUrl} from '../options/equivalent-command.js';
import {explainMatomoError} from './matomo-check.js';
import {createTheme, ThemeContext} from './theme.js';
import {useTerminalSize} from './use-terminal-size.js';
import {isCtrlC, useKeys} from './use-keys.js';
import type {GivenMap} from './given.js';
import type {MatomoConnectionInfo} from './matomo-step.js';

export interface AppProps {
	readonly given: GivenMap;
	readonly files: readonly string[];
	readonly env: NodeJS.ProcessEnv;
	readonly cwd: string;
	readonly color: boolean;
	/** 'interrupt' events (with the exit code: 130 SIGINT, 143 SIGTERM) from process signals. */
	readonly signals?: EventEmitter;
	/** The program is over; `immediate`: do not wait for anything still running. */
	readonly onExit: (code: number, immediate: boolean) => void;
	/** Dashboard refresh, ms. */
	readonly refreshMs?: number;
	/** The final dashboard and the summary, to print again on the normal screen after the full-screen one. */
	readonly onFinal?: (report: ReactElement) => void;
}

type Stage =
	| {readonly kind: 'wizard'}
	| {readonly kind: 'running'; readonly run: ImportRun; readonly config: ImportConfig; readonly result: WizardResult}
	/** The end: the summary (or what went wrong) is printed; the app leaves with `exitCode`. */
	| {readonly kind: 'over'; readonly exitCode: number};

function targetText(config: ImportConfig, connection: MatomoConnectionInfo | undefined): string {
	const site = config.idsite !== undefined ? `site ${config.idsite}` : 'sites by host name';
	return `${connection ? `Matomo ${connection.version} at ` : ''}${config.url === undefined ? '(no Matomo)' : redactUrl(config.url)}, ${site}`;
}

export function App({given, files, env, cwd, color, signals, onExit, refreshMs, onFinal}: AppProps) {
	const {exit} = useApp();
	const {columns: width, rows} = useTerminalSize();
	const [stage, setStage] = useState<Stage>({kind: 'wizard'});
	// Printed once above the live area: error samples, notices, the summary.
	const [log, setLog] = useState<LogItem[]>([]);
	const feed = useRef(new SampleFeed());
	const appendLog = (items: LogItem[]) => {
		setLog(previous => [...previous, ...items]);
	};

	const [starting, setStarting] = useState(false);
	const [startError, setStartError] = useState<string | undefined>();
	const [stopping, setStopping] = useState(false);
	const wizardConnection = useRef<MatomoConnectionInfo | undefined>(undefined);
	const runSession = useRef<RunSession | undefined>(undefined);
	const stageRef = useRef(stage);
	stageRef.current = stage;
	const interrupts = useRef(0);
	const ended = useRef(false);

	const closeConnections = () => {
		void wizardConnection.current?.client.close();
		wizardConnection.current = undefined;
		void runSession.current?.close();
		runSession.current = undefined;
	};

	const end = (code: number, immediate: boolean) => {
		if (ended.current) return;
		ended.current = true;
		closeConnections();
		onExit(code, immediate);
		exit();
	};

	const start = async (result: WizardResult) => {
		setStarting(true);
		setStartError(undefined);
		let config: ImportConfig;
		let session: RunSession;
		try {
			config = buildConfig(result.given, result.files, env);
			// -d and --debug-tracker: to a file, the screen is Ink's.
			const logFile = debugLogFile(config);
			session = new RunSession(config, {log: logFile?.write});
			await session.connect();
			if (logFile) session.notice(`debug log: ${logFile.path}`);
		} catch (error) {
			setStarting(false);
			setStartError(explainMatomoError(error, undefined).problem);
			return;
		}

		if (ended.current) {
			await session.close();
			return;
		}

		// The wizard's connection made quick single attempts; the import's retries like the headless one.
		void wizardConnection.current?.client.close();
		wizardConnection.current = undefined;
		runSession.current = session;
		const run = session.start();
		const command = commandFor(result.given, result.files, cwd, result.connection?.tokenSource ?? config.tokenSource, undefined, env).words;
		setStage({kind: 'running', run, config, result});
		session.run().then(
			outcome => {
				if (ended.current) return;
				// The samples of the last moments (a short import may end before the dashboard's first refresh), then
				// the summary; the app ends once they are on the screen.
				appendLog([
					...feed.current.take(outcome.state),
					{
						kind: 'block',
						key: 'summary',
						node: <SummaryScreen state={outcome.state} exitCode={outcome.exitCode} apiUrl={config.apiUrl} command={command} width={width} />,
					},
				]);
				onFinal?.(
					<ThemeContext.Provider value={createTheme(color)}>
						<FinalReport
							state={outcome.state}
							exitCode={outcome.exitCode}
							target={targetText(config, result.connection)}
							sizes={new Map(result.infos.map(info => [info.path, info.size]))}
							width={width}
							apiUrl={config.apiUrl}
							command={command}
						/>
					</ThemeContext.Provider>,
				);
				setStage({kind: 'over', exitCode: outcome.exitCode});
			},
			(error: unknown) => {
				if (ended.current) return;
				const message = error instanceof Error ? error.message : String(error);
				appendLog([{kind: 'block', key: 'crash', node: <Text>The import stopped on an unexpected error: {message}</Text>}]);
				setStage({kind: 'over', exitCode: 1});
			},
		);
	};

	/** Ctrl+C, q, or a signal: what it means depends on the stage. */
	const interrupt = (how: 'q' | 'ctrl-c' | 'signal', code = 130) => {
		const current = stageRef.current;
		if (current.kind !== 'running') {
			if (how !== 'q') end(code, true);
			return;
		}

		// q is always the graceful stop; Ctrl+C and signals are, the first time.
		if (how === 'q' || interrupts.current === 0) {
			interrupts.current = 1;
			current.run.stop('graceful', code);
			setStopping(true);
			return;
		}

		// The second one: cut the requests in flight and leave; what was not acknowledged is read again next time.
		current.run.stop('abandon', code);
		end(code, true);
	};

	useEffect(() => {
		if (!signals) return;
		const onSignal = (code: number) => {
			interrupt('signal', code);
		};

		signals.on('interrupt', onSignal);
		return () => {
			signals.off('interrupt', onSignal);
		};
	}, [signals]);

	useEffect(
		() => () => {
			closeConnections();
		},
		[],
	);

	useEffect(() => {
		if (stage.kind !== 'over') return;
		// A turn later: the log above has committed the summary (leaving in the same commit could print it twice).
		const timer = setTimeout(() => {
			end(stage.exitCode, false);
		}, 0);
		return () => {
			clearTimeout(timer);
		};
	}, [stage]);

	// In the wizard, Ctrl+C leaves at once; the dashboard has its own keys.
	useKeys((input, key) => {
		if (isCtrlC(input, key)) interrupt('ctrl-c');
	}, stage.kind === 'wizard');

	let body: ReactNode;
	switch (stage.kind) {
		case 'wizard':
			body = (
				<Wizard
					given={given}
					files={files}
					env={env}
					cwd={cwd}
					width={width}
					rows={rows}
					starting={starting}
					startError={startError}
					onStart={result => {
						void start(result);
					}}
					onConnection={connection => {
						if (wizardConnection.current && wizardConnection.current !== connection) void wizardConnection.current.client.close();
						wizardConnection.current = connection;
					}}
				/>
			);
			break;
		case 'running':
			body = (
				<Dashboard
					run={stage.run}
					target={targetText(stage.config, stage.result.connection)}
					sizes={new Map(stage.result.infos.map(info => [info.path, info.size]))}
					width={width}
					rows={rows}
					feed={feed.current}
					onLog={appendLog}
					stopping={stopping}
					refreshMs={refreshMs}
					onStop={how => {
						interrupt(how);
					}}
				/>
			);
			break;
		case 'over':
			body = null;
			break;
	}

	return (
		<ThemeContext.Provider value={createTheme(color)}>
			<SamplesPanel items={log} width={width} />
			{/* Cut at the terminal's edge: the frame drawn right after a resize, still of the old width, must not wrap. */}
			<Box flexDirection="column" overflowX="hidden">
				{body}
			</Box>
		</ThemeContext.Provider>
	);
}
