/**
 * Pause, stop and failure of a run, as the views and signals ask for them and the reading loops check them.
 * A stop is graceful (the batches in flight are finished) but bounded: after the grace period the requests still
 * unanswered are abandoned, so a Matomo that hangs cannot hold the stop up to --request-timeout.
 */
import type {RunState} from '../core/run-state.js';

export type StopMode = 'graceful' | 'abandon';

export interface RunControlEvents {
	/** Cut what is in flight (requests, the open input): a stop that does not wait. */
	abandon(): void;
}

export class RunControl {
	/** Set once a stop is asked for (or the run fails): the reading loops end. */
	stopRequested: StopMode | undefined;
	/** The exit status a stop by signal asked for (130 SIGINT, 143 SIGTERM). */
	stopExitCode = 0;
	/** The first error that ends the run. */
	fatal: string | undefined;
	private pausedWait: {promise: Promise<void>; resolve: () => void} | undefined;
	private stopTimer: NodeJS.Timeout | undefined;
	/** Ends the current sleep() early. */
	private wake: (() => void) | undefined;

	constructor(
		private readonly state: RunState,
		private readonly graceMs: number,
		private readonly events: RunControlEvents,
	) {}

	/** While paused: resolves when the run resumes. */
	get paused(): Promise<void> | undefined {
		return this.pausedWait?.promise;
	}

	get stopping(): boolean {
		return this.stopRequested !== undefined;
	}

	/** Pause reading (in-flight requests go on). */
	pause(): void {
		if (this.pausedWait || this.state.phase !== 'running') return;
		let resolve!: () => void;
		const promise = new Promise<void>(r => {
			resolve = r;
		});
		this.pausedWait = {promise, resolve};
		this.state.phase = 'paused';
	}

	resume(): void {
		if (!this.pausedWait) return;
		this.pausedWait.resolve();
		this.pausedWait = undefined;
		if (this.state.phase === 'paused') this.state.phase = 'running';
	}

	/**
	 * Stop reading. Graceful: the batches queued and in flight are finished (the checkpoint then covers them).
	 * Abandon (second Ctrl+C): in-flight requests are cut; what was not acknowledged is read again on resume.
	 */
	stop(mode: StopMode, exitCode: number): void {
		if (this.stopRequested === 'abandon') return;
		this.stopRequested = mode;
		this.stopExitCode = exitCode;
		this.wake?.();
		this.resume();
		if (this.state.phase === 'running' || this.state.phase === 'paused') this.state.phase = 'stopping';
		if (mode === 'abandon') {
			this.events.abandon();
			return;
		}

		this.stopTimer ??= setTimeout(() => this.stop('abandon', exitCode), this.graceMs);
		this.stopTimer.unref();
	}

	/** An error that ends the run: reading stops, what was sent is finished. */
	fail(message: string): void {
		this.fatal ??= message;
		this.stopRequested ??= 'graceful';
		this.wake?.();
	}

	/** Wait `ms` (follow mode between polls), or less when the run stops meanwhile. */
	async sleep(ms: number): Promise<void> {
		if (this.stopping) return;
		await new Promise<void>(resolve => {
			const timer = setTimeout(resolve, ms);
			this.wake = () => {
				clearTimeout(timer);
				resolve();
			};
		});
		this.wake = undefined;
	}

	/** The run is over: no stop timer left behind. */
	close(): void {
		clearTimeout(this.stopTimer);
	}
}
