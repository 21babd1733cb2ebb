/**
 * The slow path of a hit: what the line stage (in a worker or this thread) could not finish alone. Its site looked
 * up (sites by host name, replay), its listen (listening time: several requests, put back in time order), or a dry
 * run against a Matomo that still tells which hosts have no site. Plain hits to one site never come here.
 */
import type {ImportConfig} from '../options/config.js';
import type {InputProgress, RunState} from '../core/run-state.js';
import type {ParsedBatch} from '../parse/parsed-batch.js';
import type {Hit} from '../parse/hit.js';
import type {Recorders} from '../record/recorders.js';
import type {HitRef} from '../record/hit-batch.js';
import {ipKey, userKey} from '../record/visitor-router.js';
import {siteDayKey} from '../track/site-day.js';
import type {InputWatermark} from '../record/watermark.js';
import {listenFromHit, listeningRequests} from '../track/listening-time.js';
import type {ReorderWindow} from '../track/reorder-window.js';
import {replayVisitorId} from '../track/replay.js';
import type {SiteResolver} from '../track/sites.js';
import {toQueryString, type QueryBuilder, type RequestOptions} from '../track/tracking-request.js';
import type {ListeningStats} from '../report/listening-stats.js';
import type {Acknowledgements} from './acknowledgements.js';
import type {BotStage} from './bot-stage.js';

/** A request of a listen, waiting in the reorder window for the requests of other listeners that came before it. */
export interface ReorderedRequest extends HitRef {
	query: string;
}

/** The line of a slow hit in its parsed batch: where it starts and ends, its text and the previous line's. */
export interface HitLine {
	readonly progress: InputProgress;
	readonly watermark: InputWatermark;
	/** Offsets of the line's start and end in the input, and its number. */
	readonly start: number;
	readonly end: number;
	readonly lineNo: number;
	/** The batch's texts: the line is texts[textFrom, textTo), the previous line texts[previousFrom, previousTo). */
	readonly texts: Buffer;
	readonly textFrom: number;
	readonly textTo: number;
	readonly previousFrom: number;
	readonly previousTo: number;
}

/** What the slow path needs of the run. */
export interface SlowHitContext {
	readonly config: ImportConfig;
	readonly state: RunState;
	/** Absent in a dry run. */
	readonly recorders: Recorders | undefined;
	readonly resolver: SiteResolver;
	/** A dry run with a Matomo still looks sites up. */
	readonly hasMatomo: boolean;
	readonly queries: QueryBuilder;
	readonly requestOptions: RequestOptions;
	readonly acknowledgements: Acknowledgements;
	/** --track-listening-time. */
	readonly listeningStats: ListeningStats | undefined;
	readonly reorder: ReorderWindow<ReorderedRequest> | undefined;
	/** --bot-detection=behavior: holds each hit until its visitor's verdict. */
	readonly bots?: BotStage;
}

export class SlowHits {
	constructor(private readonly run: SlowHitContext) {}

	/** Count, look up and queue the hit of `line`; its line is done for the watermark either way. */
	async add(item: ParsedBatch['slow'][number], line: HitLine): Promise<void> {
		const {config, recorders, resolver} = this.run;
		const {hit, listenSeconds} = item;
		const listen = listenSeconds === undefined ? null : listenFromHit(hit, listenSeconds);
		if (listen) this.run.listeningStats?.add(listen);
		if (!recorders) {
			// Dry run (or no Matomo): the hit counts as recorded, as in the reference.
			await this.recordOffline(hit, line.progress);
			lineDone(line);
			return;
		}

		// Known sites answer synchronously: no await (and no microtask) per hit.
		const known = resolver.cached(hit);
		const site = known !== undefined ? known : await resolver.resolve(hit);
		if (site === null) {
			this.run.state.counters.skipped.noSite++;
			this.run.state.counters.hitsQueued--;
			lineDone(line);
			return;
		}

		const visitor = ipKey(config.replayTracking ? replayVisitorId(hit) : hit.ip);
		const user = config.replayTracking ? userKey(undefined) : userKey(hit.args?.uid);
		const day = siteDayKey(site, hit.seconds);
		const seq = line.watermark.addHitBytes(line.start, line.lineNo, line.texts, line.previousFrom, line.previousTo);
		lineDone(line);
		const {reorder} = this.run;
		if (listen && reorder) {
			// The listen at its start, its event and heartbeats; in time order with the other listeners' requests.
			const requests = listeningRequests(listen, site, {...this.run.requestOptions, visitWindowSeconds: config.visitLengthSeconds});
			const part = this.run.acknowledgements.newPart(requests.length);
			for (const request of requests) {
				const queued: ReorderedRequest = {
					query: toQueryString(request.params),
					input: hit.input,
					lineNo: line.lineNo,
					seq,
					part,
					ip: visitor,
					user,
					day,
				};
				for (const ready of reorder.push(queued, request.seconds, request.micros)) this.addReordered(ready);
			}
		} else if (this.run.bots) {
			// The visitor of the line the run passed last (see BotStage).
			this.run.bots.hold(hit, line.progress, site, {input: hit.input, lineNo: line.lineNo, seq, part: 0, ip: visitor, user, day});
		} else {
			recorders.add(this.run.queries.build(hit, site), {input: hit.input, lineNo: line.lineNo, seq, part: 0, ip: visitor, user, day});
		}
	}

	/** A request the reorder window let go (its time has come, or the input ended). */
	addReordered(item: ReorderedRequest): void {
		this.run.recorders!.add(item.query, item);
	}

	private async recordOffline(hit: Hit, progress: InputProgress): Promise<void> {
		const counters = this.run.state.counters;
		const {resolver} = this.run;
		if (this.run.hasMatomo) {
			// A dry run against a Matomo still tells which hosts have no site (look-ups only, nothing is created).
			const known = resolver.cached(hit);
			const site = known !== undefined ? known : await resolver.resolve(hit);
			if (site === null) {
				counters.skipped.noSite++;
				counters.hitsQueued--;
				return;
			}
		}

		if (this.run.bots) {
			this.run.bots.holdCounted(progress);
			return;
		}

		counters.hitsRecorded++;
		progress.hits++;
	}
}

function lineDone(line: HitLine): void {
	line.watermark.lineDoneBytes(line.end, line.lineNo, line.texts, line.textFrom, line.textTo);
}
