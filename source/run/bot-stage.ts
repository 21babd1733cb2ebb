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
import type {InputWatermark} from '../record/watermark.js';
import type {QueryBuilder, SiteTarget} from '../track/tracking-request.js';
import type {InputProgress, RunState} from './run-state.js';
import type {LineObserver} from './line-processor.js';
import {BotHold} from '../filter/bots/bot-hold.js';
import {createBotStats} from '../filter/bots/bot-stats.js';
import {isModernBotAgent} from '../filter/bots/modern-agents.js';
import {reasonLabels} from '../filter/bots/visitor-evidence.js';

/** A hit waiting for its visitor's verdict: sent (seq: its watermark entry) or, in a dry run, only counted. */
interface HeldHit {
	hit: Hit;
	progress: InputProgress;
	/** Undefined in a dry run. */
	sent?: {site: SiteTarget; visitor: string; lineNo: number; seq: number};
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

	constructor(config: ImportConfig, private readonly run: BotStageRun) {
		const stats = createBotStats(config.enableBots);
		run.state.bots = stats;
		const excluded = config.excludedUserAgents;
		this.holding = new BotHold<HeldHit>({
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
		}, stats, {
			release: (item, reasons) => this.release(item, reasons),
			drop: item => this.drop(item),
		});
	}

	observe(ip: string, userAgent: string, path: string, extension: string, status: string, referrer: string, seconds: number): void {
		this.holding.observe(ip, userAgent, path, extension, status, referrer, seconds);
	}

	/** A hit to send (its watermark entry is `seq`), once its visitor is found to be a person. */
	hold(hit: Hit, progress: InputProgress, site: SiteTarget, visitor: string, lineNo: number, seq: number): void {
		this.holding.hold(hit.ip, hit.userAgent, hit.seconds, {hit, progress, sent: {site, visitor, lineNo, seq}});
	}

	/** A dry run's hit: counted as recorded once its visitor is found to be a person. */
	holdOffline(hit: Hit, progress: InputProgress): void {
		this.holding.hold(hit.ip, hit.userAgent, hit.seconds, {hit, progress});
	}

	/** The end of an input: every visitor still waiting is decided with the evidence there is. */
	decideAll(): void {
		this.holding.decideAll();
	}

	private release({hit, progress, sent}: HeldHit, reasons: number): void {
		const {run} = this;
		if (sent === undefined) {
			run.state.counters.hitsRecorded++;
			progress.hits++;
			return;
		}

		if (reasons !== 0) {
			// --enable-bots: tracked as a bot, with why (a page custom variable, beside HTTP-code).
			hit.isRobot = true;
			(hit.pageCvars ??= []).push(['Bot-reason', reasonLabels(reasons).join(', ')]);
		}

		run.recorders!.add(run.queries.build(hit, sent.site), sent.visitor, hit.input, sent.lineNo, sent.seq);
	}

	private drop({hit, sent}: HeldHit): void {
		const {counters} = this.run.state;
		counters.hitsQueued--;
		counters.skipped.bot++;
		if (sent === undefined) return;
		this.run.watermark(hit.input)?.ack(sent.seq);
		this.run.changed();
	}
}
