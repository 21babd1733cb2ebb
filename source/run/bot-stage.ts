/**
 * --bot-detection=behavior in the run: the hold stage (filter/bots/bot-hold.ts) with what holding means for
 * delivery. A held hit has its watermark entry already (so the checkpoint cannot move past it: a stop or a crash
 * before its verdict reads it again on resume) and is not in the recorders (so it is not acknowledged). Released,
 * it goes to the recorders like any hit; dropped as a bot, it is acknowledged at once (done, like a filtered line)
 * and counted as a bot.
 */
import type {ImportConfig} from '../options/config.js';
import type {Hit} from '../parse/hit.js';
import type {Recorders} from '../record/recorders.js';
import type {HitRef} from '../record/hit-batch.js';
import type {InputWatermark} from '../record/watermark.js';
import type {QueryBuilder, SiteTarget} from '../track/tracking-request.js';
import type {InputProgress, RunState} from './run-state.js';
import type {LineObserver} from '../parse/line-processor.js';
import {BotHold} from '../filter/bots/bot-hold.js';
import {createBotStats} from '../filter/bots/bot-stats.js';
import {isModernBotAgent} from '../filter/bots/modern-agents.js';
import {reasonLabels} from '../filter/bots/visitor-evidence.js';

/**
 * A hit waiting for its visitor's verdict: to be sent (`seq`: its watermark entry) or, in a dry run (`seq` -1), only
 * counted. Small on purpose: held hits live long enough to be promoted by the garbage collector.
 */
class HeldHit {
	constructor(
		readonly input: number,
		readonly progress: InputProgress,
		readonly seq: number,
		readonly lineNo: number,
		/** The hit's visitor keys and day (see HitRef). */
		readonly keys: Pick<HitRef, 'ip' | 'user' | 'day'>,
		/** The request, built when held; undefined in a dry run and with --enable-bots (built on release, with why). */
		readonly query: string | undefined,
		/** With --enable-bots: what the request is built from. */
		readonly hit: Hit | undefined,
		readonly site: SiteTarget | undefined,
	) {}
}

export interface BotStageRun {
	readonly state: RunState;
	readonly recorders: Recorders | undefined;
	readonly queries: QueryBuilder;
	watermark(input: number): InputWatermark | undefined;
	/** A hit was acknowledged without Matomo: the checkpoint may move. */
	changed(): void;
}

export class BotStage implements LineObserver {
	private readonly holding: BotHold<HeldHit>;
	private readonly trackBots: boolean;

	constructor(
		config: ImportConfig,
		private readonly run: BotStageRun,
	) {
		this.trackBots = config.enableBots;
		const stats = createBotStats(config.enableBots);
		run.state.bots = stats;
		const excluded = config.excludedUserAgents;
		this.holding = new BotHold<HeldHit>(
			{
				windowSeconds: 30 * 60,
				suspiciousWindowSeconds: 6 * 3600,
				maxHeldPerVisitor: 40,
				maxHeld: 100_000,
				maxBehind: 5000,
				maxVisitors: 100_000,
				trackBots: config.enableBots,
				countLevels: config.dryRun,
				agentLevel(userAgent) {
					const lower = userAgent.toLowerCase();
					if (excluded.some(needle => lower.includes(needle))) return 'reference';
					return isModernBotAgent(userAgent) ? 'modern' : undefined;
				},
			},
			stats,
			{
				release: (item, reasons) => this.release(item, reasons),
				drop: item => this.drop(item),
			},
		);
	}

	observe(ip: string, userAgent: string, path: string, extension: string, status: string, referrer: string, seconds: number): void {
		this.holding.observe(ip, userAgent, path, extension, status, referrer, seconds);
	}

	/** A hit to send (its watermark entry is `seq`), once its visitor is found to be a person. */
	hold(hit: Hit, progress: InputProgress, site: SiteTarget, ref: HitRef): void {
		const {lineNo, seq} = ref;
		const visitor = {ip: ref.ip, user: ref.user, day: ref.day};
		const held = this.trackBots
			? new HeldHit(hit.input, progress, seq, lineNo, visitor, undefined, hit, site)
			: new HeldHit(hit.input, progress, seq, lineNo, visitor, this.run.queries.build(hit, site), undefined, undefined);
		this.holding.hold(hit.ip, hit.userAgent, hit.seconds, held);
	}

	/** A dry run's hit: counted as recorded once its visitor is found to be a person. */
	holdOffline(hit: Hit, progress: InputProgress): void {
		this.holding.hold(hit.ip, hit.userAgent, hit.seconds, new HeldHit(hit.input, progress, -1, 0, {ip: 0, user: 0, day: 0}, undefined, undefined, undefined));
	}

	/** The end of an input: every visitor still waiting is decided with the evidence there is. */
	decideAll(): void {
		this.holding.decideAll();
	}

	private release(held: HeldHit, reasons: number): void {
		const {run} = this;
		if (held.seq === -1) {
			run.state.counters.hitsRecorded++;
			held.progress.hits++;
			return;
		}

		let query = held.query;
		if (query === undefined) {
			const hit = held.hit!;
			if (reasons !== 0) {
				// --enable-bots: tracked as a bot, with why (a page custom variable, beside HTTP-code).
				hit.isRobot = true;
				(hit.pageCvars ??= []).push(['Bot-reason', reasonLabels(reasons).join(', ')]);
			}

			query = run.queries.build(hit, held.site!);
		}

		run.recorders!.add(query, {input: held.input, lineNo: held.lineNo, seq: held.seq, part: 0, ...held.keys});
	}

	private drop(held: HeldHit): void {
		const {counters} = this.run.state;
		counters.hitsQueued--;
		counters.skipped.bot++;
		if (held.seq === -1) return;
		this.run.watermark(held.input)?.ack(held.seq);
		this.run.changed();
	}
}
