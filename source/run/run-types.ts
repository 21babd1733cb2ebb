/** What an import run is given and what it returns: the interface of ImportRun for the session, the views and tests. */
import type {RunState} from '../core/run-state.js';
import type {BulkSender} from '../record/recorders.js';
import type {SiteApi} from '../track/sites.js';

/** What the run needs from Matomo: API calls and bulk tracking (the Matomo client, or a test's). */
export type MatomoConnection = SiteApi & BulkSender;

export interface ImportRunDeps {
	/** Absent: an offline dry run (no --url). */
	matomo?: MatomoConnection;
	/** Where the engine writes its log lines (debug, notices as they happen). Default: nowhere. */
	log?: (message: string) => void;
	/**
	 * Parse big inputs in a worker thread (`auto`, the default: files of a few MB and more), always when possible
	 * (tests of the worker on small files), or never.
	 */
	parseWorker?: 'auto' | 'always' | 'never';
	/**
	 * Whether the run's thread parses batches of the worker's when it would wait. Default: in a dry run (the thread
	 * has nothing else to do), and with more than 2 cores; not on 2 cores while importing, where the requests (and
	 * often Matomo itself) keep the second core busy, and the batches parsed would only grow the thread's heap
	 * (bench/profile.md).
	 */
	shareParsing?: boolean;
}

export interface RunOutcome {
	state: RunState;
	/** 0 done, 1 failed or some input unreadable, 130/143 stopped by a signal. */
	exitCode: number;
	/** --dump-log-regex output, when asked. */
	dump?: string;
}
