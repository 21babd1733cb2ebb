/**
 * The parts of a run made from its configuration as it starts: input sizes, checkpoints, how sites are found, the
 * recorders, and the parts that handle lines and hits.
 */
import {statSync} from 'node:fs';
import type {ImportConfig} from '../options/config.js';
import {isCi} from '../options/environment.js';
import type {InputProgress, RunState} from '../core/run-state.js';
import {compileChecks} from '../filter/checks.js';
import type {InputSpec, LineBatch} from '../input/types.js';
import {requestOptionsOf} from '../parse/stage-options.js';
import {Checkpoints, scopedStatePath} from '../record/checkpoints.js';
import {QueryBuilder} from '../track/tracking-request.js';
import {ParsedLines, type ParsedLinesContext} from './parsed-lines.js';
import {ParsePaths} from './parse-paths.js';
import {SlowHits, type SlowHitContext} from './slow-hits.js';
import {BotStage} from './bot-stage.js';
import {Recorders, type BulkSender, type RecorderEvents} from '../record/recorders.js';
import {createHostResolver, createReplayResolver, createStaticResolver, type SiteApi, type SiteResolver} from '../track/sites.js';

/** How the run finds each hit's site: --idsite, replayed tracking, or by host name. */
export async function createResolver(config: ImportConfig, api: SiteApi | undefined): Promise<SiteResolver> {
	if (config.idsite !== undefined) return createStaticResolver(api, config.idsite);
	if (config.replayTracking) return createReplayResolver(api);
	return createHostResolver(api, {
		idsiteFallback: config.idsiteFallback,
		addSitesNewHosts: config.addSitesNewHosts,
		readOnly: config.dryRun,
	});
}

/** The recorders of an import (not a dry run), sized from --recorders and --recorder-max-payload-size. */
export function createRecorders(config: ImportConfig, matomo: BulkSender, state: RunState, events: RecorderEvents): Recorders {
	// auto starts low and climbs while Matomo's throughput does.
	const concurrency = config.recorders === 'auto' ? 2 : config.recorders;
	// One recorder is one lane: the log's own order, as the reference sends it. More recorders get spare lanes, so
	// that `+` can add requests in flight; a visitor's hits stay in one lane whatever the count (VisitorRouter).
	const lanes = config.recorders === 'auto' ? 16 : concurrency === 1 ? 1 : Math.min(32, concurrency * 2);
	const payloadSize = config.bulkTracking ? config.payloadSize : 1;
	return new Recorders(
		matomo,
		{
			lanes,
			concurrency,
			payloadSize,
			flushIntervalMs: 200,
			// A batch per lane waiting: enough to keep every lane busy; more only holds memory.
			maxQueued: Math.max(payloadSize * lanes, 1000),
			retryMaxAttempts: config.retryMaxAttempts,
			retryDelayMs: config.retryDelayMs,
			trustTrackedCount: config.bulkRequestsWithoutTransaction,
			adaptive: config.recorders === 'auto',
			spacingMs: config.bulkTracking || config.forceOneHitEverySeconds === undefined ? undefined : config.forceOneHitEverySeconds * 1000,
		},
		state,
		events,
	);
}

/**
 * Sizes of the inputs (not stdin), for the overall progress and ETA before each is opened. Synchronous: microseconds
 * a file, where a hundred thousand asynchronous calls at once would each hold a request and a promise.
 */
export function statSizes(inputs: readonly InputProgress[]): void {
	for (const progress of inputs) {
		if (progress.path === '-') continue;
		try {
			progress.size = statSync(progress.path).size;
		} catch {}
	}
}

/**
 * The checkpoints of a run, or none: stdin alone cannot resume, and CI runners are throwaway machines (a state file
 * in their home directory means nothing next time, and test harnesses that start a fresh Matomo stand-in per run on
 * a port used before must not resume an old import): there, checkpoints are kept only in a --state-file given.
 */
export async function openCheckpoints(
	config: ImportConfig,
	inputs: readonly InputSpec[],
	onSaveFailure: (message: string) => void,
): Promise<Checkpoints | undefined> {
	const statePath = config.stateFile ?? (isCi(process.env) ? undefined : scopedStatePath(config));
	if (statePath === undefined || !inputs.some(spec => spec.path !== '-')) return undefined;
	return Checkpoints.open(statePath, !config.dryRun, {onSaveFailure});
}

/** The first batches of an input, up to `lines` lines, for choosing its format; `done`: the input ended there. */
export async function readSample(lines: AsyncGenerator<LineBatch>, count: number): Promise<{batches: LineBatch[]; sample: string[]; done: boolean}> {
	const batches: LineBatch[] = [];
	let read = 0;
	let done = false;
	while (read < count) {
		const next = await lines.next();
		if (next.done) {
			done = true;
			break;
		}

		batches.push(next.value);
		read += next.value.lines.length;
	}

	return {batches, sample: batches.flatMap(batch => batch.lines).slice(0, count), done};
}

/** The parts of the run that handle lines and hits, once the run knows how it finds sites and records hits. */
export function createRunParts(
	context: Omit<SlowHitContext, 'queries' | 'requestOptions'>,
	options: {
		control: ParsedLinesContext['control'];
		log: (message: string) => void;
		parseWorker: 'auto' | 'always' | 'never';
		shareParsing: boolean | undefined;
		batchLines: number;
		checkpointChanged: () => void;
	},
): {parsedLines: ParsedLines; parsePaths: ParsePaths; slowHits: SlowHits; bots: BotStage | undefined} {
	const {config, recorders} = context;
	const requestOptions = requestOptionsOf(config);
	const queries = new QueryBuilder(requestOptions);
	const bots =
		config.botDetection === 'behavior'
			? new BotStage(config, {
					state: context.state,
					recorders,
					queries,
					watermark: input => context.acknowledgements.watermarks.get(input),
					changed: options.checkpointChanged,
				})
			: undefined;
	const slowHits = new SlowHits({...context, queries, requestOptions, bots});
	const parsePaths = new ParsePaths(
		{
			config,
			checks: compileChecks(config),
			parseWorker: options.parseWorker,
			shareParsing: options.shareParsing,
			batchLines: options.batchLines,
			evidence: bots?.table,
		},
		{site: context.resolver.fixed, queries: recorders ? queries : undefined, hasMatomo: context.hasMatomo},
	);
	const parsedLines = new ParsedLines({config, state: context.state, recorders, slowHits, bots, control: options.control, log: options.log});
	return {parsedLines, parsePaths, slowHits, bots};
}
