/**
 * One import from start to end, the same for both views (headless cli.ts, the TUI's app.tsx): connect to Matomo,
 * run, stop (at any moment, also while Matomo is still being checked), close. Whatever happens, `run()` resolves
 * with an outcome whose state says it, so that the summary and --json are printed also when the run fails early.
 */
import type {ImportConfig} from '../options/config.js';
import {createRunState, type RunState} from '../core/run-state.js';
import {errorMessage} from '../core/run-error.js';
import type {MatomoConnection as MatomoLink} from '../record/connect.js';
import {ImportRun} from './import-run.js';
import type {StopMode} from './run-control.js';
import type {ImportRunDeps, RunOutcome} from './run-types.js';

export interface SessionOptions {
	/** The engine's log (-d, --debug-tracker, notices as they happen). */
	log?: (message: string) => void;
	/** How Matomo is reached; default: the real client (record/connect.ts, loaded only when there is a Matomo). */
	connect?: (config: ImportConfig, options: {log?: (message: string) => void}) => Promise<MatomoLink | undefined>;
	parseWorker?: ImportRunDeps['parseWorker'];
	/** The run was created (a view starts showing it). */
	onStart?: (run: ImportRun) => void;
}

export class RunSession {
	/** The run, once Matomo answered (undefined before, and when connecting failed or was stopped). */
	importRun: ImportRun | undefined;
	private link: MatomoLink | undefined;
	private stopped: {mode: StopMode; exitCode: number} | undefined;
	private wakeStopped: (() => void) | undefined;
	private readonly notices: string[] = [];

	constructor(
		readonly config: ImportConfig,
		private readonly options: SessionOptions = {},
	) {}

	/** The Matomo version, once connected. */
	get matomoVersion(): string | undefined {
		return this.link?.version;
	}

	/**
	 * Check Matomo and open the connection the run uses. Throws MatomoSetupError (a sentence that says what to do);
	 * resolves false when a stop came first.
	 */
	async connect(): Promise<boolean> {
		if (this.stopped) return false;
		const config = this.config;
		const connecting =
			config.url === undefined && config.dryRun
				? Promise.resolve(undefined)
				: (this.options.connect ?? (await import('../record/connect.js')).connectMatomo)(config, {
						log: config.debug > 0 ? this.options.log : undefined,
					});
		const stop = new Promise<'stopped'>(resolve => {
			this.wakeStopped = () => resolve('stopped');
		});
		const first = await Promise.race([connecting, stop]);
		this.wakeStopped = undefined;
		if (first === 'stopped') {
			// The check may still answer: its connection is closed then.
			void connecting.then(
				link => link?.client.close(),
				() => undefined,
			);
			return false;
		}

		this.link = first;
		return true;
	}

	/** A notice for the run's state (shown with the summary), e.g. where a view sent the log. */
	notice(message: string): void {
		this.notices.push(message);
		if (this.importRun) this.importRun.state.notices.push(message);
	}

	/** The run on the connection (call after connect()). */
	start(): ImportRun {
		this.importRun = new ImportRun(this.config, {matomo: this.link?.client, log: this.options.log, parseWorker: this.options.parseWorker});
		this.importRun.state.notices.push(...this.notices);
		if (this.stopped) this.importRun.stop(this.stopped.mode, this.stopped.exitCode);
		this.options.onStart?.(this.importRun);
		return this.importRun;
	}

	/** Connect if not yet, start and run to the end: an outcome whatever happens (never throws for Matomo's sake). */
	async run(): Promise<RunOutcome> {
		if (!this.importRun) {
			let connected: boolean;
			try {
				connected = await this.connect();
			} catch (error) {
				return this.early(1, errorMessage(error));
			}

			if (!connected) return this.early(this.stopped?.exitCode ?? 130);
			this.start();
		}

		return this.importRun!.run();
	}

	/** Stop: graceful first, then at once (see ImportRun.stop); before the run exists, it does not start. */
	stop(mode: StopMode, exitCode: number): void {
		this.stopped = {mode, exitCode};
		this.wakeStopped?.();
		this.importRun?.stop(mode, exitCode);
	}

	/** Close the connections (the run has ended or was abandoned). */
	async close(): Promise<void> {
		const link = this.link;
		this.link = undefined;
		await link?.client.close();
	}

	/** The outcome of a run that never started: failed (Matomo could not be reached) or stopped. */
	private early(exitCode: number, failure?: string): RunOutcome {
		const state: RunState = createRunState(this.config.dryRun);
		state.finishedAt = Date.now();
		state.phase = failure === undefined ? 'done' : 'failed';
		if (failure !== undefined) state.failure = failure;
		return {state, exitCode};
	}
}
