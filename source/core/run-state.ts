/**
 * The state of one import run, as plain data. The engine mutates it; the TUI and the headless reporter only read
 * snapshots of it (`snapshotRunState`), a few times a second. Nothing here knows about Ink or React.
 */

/** Why a line was not imported. Every skipped line is counted under exactly one reason. */
export type SkipReason =
	| 'invalid' // the line did not match the format, or its date/time zone could not be read
	| 'httpError' // 4xx/5xx without --enable-http-errors
	| 'httpRedirect' // 3xx (but 304) without --enable-http-redirects
	| 'static' // static resource without --enable-static
	| 'bot' // bot or --useragent-exclude without --enable-bots
	| 'skippedDownload' // a known download extension not in --download-extensions
	| 'hostnameMismatch' // host matches no --hostname pattern
	| 'excludedPath' // --exclude-path (the reference drops these silently)
	| 'notIncludedPath' // not in --include-path (the reference drops these silently)
	| 'filtered' // --include-host/--exclude-host/--exclude-older-than/--exclude-newer-than
	| 'noSite' // no Matomo site for the host
	| 'skipOption' // --skip N
	| 'alreadyImported' // before the checkpoint of an earlier run
	| 'trackerInvalid'; // Matomo answered that the request was invalid

export const skipReasonLabels: Record<SkipReason, string> = {
	invalid: 'invalid log lines',
	httpError: 'HTTP errors',
	httpRedirect: 'HTTP redirects',
	static: 'static resources',
	bot: 'bots, search engines…',
	skippedDownload: 'downloads not in --download-extensions',
	hostnameMismatch: 'did not match any --hostname',
	excludedPath: 'excluded paths',
	notIncludedPath: 'not in --include-path',
	filtered: 'filtered (hosts, dates)',
	noSite: 'did not match any known site',
	skipOption: 'skipped by --skip',
	alreadyImported: 'already imported (resume)',
	trackerInvalid: 'rejected by Matomo as invalid',
};

export interface Counters {
	/** Every line read, the ones skipped by --skip or resume included. */
	linesRead: number;
	/** Hits handed to the recorders (queued or sent). */
	hitsQueued: number;
	/** Hits Matomo acknowledged as tracked (in --dry-run: hits that would be sent). */
	hitsRecorded: number;
	/** Lines with a download extension (counted like the reference: before the other checks). */
	downloads: number;
	skipped: Record<SkipReason, number>;
	/** Bulk requests sent (attempts, retries included) and retries. */
	requests: number;
	retries: number;
}

export type InputPhase = 'pending' | 'detecting' | 'reading' | 'done' | 'failed' | 'skipped';

export interface InputProgress {
	id: number;
	displayName: string;
	path: string;
	/** Size on disk (compressed size for .gz/.bz2); null for stdin. */
	size: number | null;
	compression: 'none' | 'gzip' | 'bzip2' | null;
	/** Bytes of the file consumed (compressed bytes for .gz/.bz2): progress = bytesRead / size. */
	bytesRead: number;
	linesRead: number;
	hits: number;
	format: string | null;
	/** Why this format: "detected: the first line matches iis (14 groups)", "forced with --log-format-name". */
	formatReason: string | null;
	phase: InputPhase;
	/** Why it failed or was skipped. */
	message: string | null;
	/** Decompressed byte offset the import started from (resume), 0 otherwise. */
	startOffset: number;
	startedAt: number | null;
	/** Whether the input (after its first lines) is parsed in a worker thread. */
	parsedInWorker: boolean;
	finishedAt: number | null;
}

export type LanePhase = 'idle' | 'sending' | 'waiting' | 'retrying';

export interface LaneState {
	id: number;
	phase: LanePhase;
	/** Hits waiting in this lane, not yet in a request. */
	queued: number;
	/** Hits in the request in flight (0 when none). */
	inFlight: number;
	requests: number;
	hitsSent: number;
	retries: number;
	/** Latency of the last answered request, ms. */
	lastLatencyMs: number | null;
	/** The attempt at the batch in flight (1 for the first send; 0 when idle). */
	attempt: number;
	/** When the lane sends its failed batch again (epoch ms), while it waits to retry. */
	retryAt: number | null;
}

export interface LineSample {
	/** Unique within the run, in arrival order (a key for the UI). */
	seq: number;
	at: number;
	input: string;
	/** 1-based line number, as people count. */
	lineNumber: number;
	reason: string;
	line: string;
}

export interface MatomoErrorSample {
	/** Unique within the run, in arrival order. */
	seq: number;
	at: number;
	/** HTTP status, or null for network errors/timeouts. */
	status: number | null;
	message: string;
	attempt: number;
	/** --retry-max-attempts (0: no limit). */
	maxAttempts: number;
	willRetry: boolean;
	/** When the next attempt is due (epoch ms), when there is one. */
	retryAt: number | null;
}

export interface SiteSummary {
	/** Site ids hits were sent to. */
	known: string[];
	/** Sites created with --add-sites-new-hosts, in order: [host, id]. */
	created: Array<[string, string]>;
	/** Hosts that matched no site. */
	ignoredHosts: string[];
}

export type RunPhase = 'starting' | 'running' | 'paused' | 'stopping' | 'done' | 'failed';

export interface RunState {
	phase: RunPhase;
	startedAt: number;
	finishedAt: number | null;
	dryRun: boolean;
	counters: Counters;
	inputs: InputProgress[];
	lanes: LaneState[];
	/** Requests allowed in flight now, and whether --recorders=auto moves it. */
	concurrency: number;
	adaptiveConcurrency: boolean;
	/** Hits per bulk request now (the payload size, or less where --recorders=auto chose less). */
	batchSize: number;
	/** Most recent first is NOT guaranteed: ring buffers in arrival order, the oldest dropped. */
	invalidSamples: LineSample[];
	matomoErrors: MatomoErrorSample[];
	/** "file:line" of requests Matomo reported invalid. */
	trackerInvalidLines: string[];
	sites: SiteSummary;
	/** Messages worth showing once (warnings, the IIS time-taken hint, a file that could not be read). */
	notices: string[];
	/** --bot-detection=behavior: the visitors and hits found to be bots, by reason, with samples. */
	bots: BotStats | null;
	/** Why the run failed, when phase is 'failed'. */
	failure: string | null;
	/** --track-listening-time: listeners, hours and peaks per mount point. */
	listening: {mounts: MountSummary[]; total: MountSummary | null} | null;
}

export const SAMPLE_RING_SIZE = 50;

export function createCounters(): Counters {
	return {
		linesRead: 0,
		hitsQueued: 0,
		hitsRecorded: 0,
		downloads: 0,
		skipped: {
			invalid: 0,
			httpError: 0,
			httpRedirect: 0,
			static: 0,
			bot: 0,
			skippedDownload: 0,
			hostnameMismatch: 0,
			excludedPath: 0,
			notIncludedPath: 0,
			filtered: 0,
			noSite: 0,
			skipOption: 0,
			alreadyImported: 0,
			trackerInvalid: 0,
		},
		requests: 0,
		retries: 0,
	};
}

export function createRunState(dryRun: boolean): RunState {
	return {
		phase: 'starting',
		startedAt: Date.now(),
		finishedAt: null,
		dryRun,
		counters: createCounters(),
		inputs: [],
		lanes: [],
		concurrency: 0,
		adaptiveConcurrency: false,
		batchSize: 0,
		invalidSamples: [],
		matomoErrors: [],
		trackerInvalidLines: [],
		sites: {known: [], created: [], ignoredHosts: []},
		notices: [],
		bots: null,
		failure: null,
		listening: null,
	};
}

let sampleSeq = 0;

/** The next sample number (samples of all runs in this process share it: it only has to be unique). */
export function nextSampleSeq(): number {
	return ++sampleSeq;
}

/** The progress of an input not started yet. */
export function createInputProgress(spec: {id: number; displayName: string; path: string}): InputProgress {
	return {
		id: spec.id,
		displayName: spec.displayName,
		path: spec.path,
		size: null,
		compression: null,
		bytesRead: 0,
		linesRead: 0,
		hits: 0,
		format: null,
		formatReason: null,
		phase: 'pending',
		message: null,
		startOffset: 0,
		startedAt: null,
		parsedInWorker: false,
		finishedAt: null,
	};
}

/** Push into a ring buffer of at most `size` items. */
export function pushRing<T>(ring: T[], item: T, size = SAMPLE_RING_SIZE): void {
	ring.push(item);
	if (ring.length > size) ring.splice(0, ring.length - size);
}

/** A deep copy the UI may keep: the engine goes on mutating the original. */
export function snapshotRunState(state: RunState): RunState {
	return structuredClone(state);
}

/** Listening time (--track-listening-time) of one mount point, or of all together. */
export interface MountSummary {
	/** The mount point (`/stream.mp3`), or `*` for all mount points together. */
	mount: string;
	/** Connections. */
	listeners: number;
	totalSeconds: number;
	/** Aggregate tuning hours: totalSeconds / 3600. */
	listeningHours: number;
	averageSeconds: number;
	medianSeconds: number;
	/** 0: exact; 1 or 30: within that many seconds; null: above 7 days, reported as 7 days. */
	medianPrecisionSeconds: number | null;
	peakListeners: number;
	/** UTC Unix seconds of the start of the first second (or bucket) at which the peak was reached; null when 0. */
	peakAtSeconds: number | null;
	/** 1: exact; 60 or 3600: sampled at bucket boundaries (a lower bound). */
	peakResolutionSeconds: number;
}

/** What --bot-detection=behavior found (the summary, --json and the dashboard show it). */
export interface BotSample {
	ip: string;
	userAgent: string;
	/** The visitor's hits that were held back (or, with --enable-bots, tracked as a bot). */
	hits: number;
	why: string[];
}

export interface BotStats {
	/** --enable-bots: the bots found were tracked as bots, not left out. */
	tracked: boolean;
	/** Visitors found to be bots by their behaviour, and their hits. */
	visitors: number;
	hits: number;
	/** Visitors per reason label (a visitor usually has several). */
	byReason: Record<string, number>;
	/** The first bot visitors found, to check for false positives. */
	samples: BotSample[];
	/** Hits held now, waiting for their visitor's verdict. */
	held: number;
	/** Distinct visitors each level drops (the behaviour level includes the modern one, which includes the reference's). */
	levels: {reference: number; modern: number; behavior: number};
}
