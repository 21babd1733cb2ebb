/**
 * The hold stage of --bot-detection=behavior: every hit of a visitor not decided yet is held until the verdict, then
 * released (a person) or dropped (a bot; with --enable-bots released as a bot, with its reasons).
 *
 * It works on numbers only: the evidence is gathered where the lines are parsed (visitor-evidence-table.ts), and each
 * line brings its visitor's key and verdict after it (`observe`), every line, not only hits, in the order of the log.
 * A held item is a number too (what it stands for is the sink's business: see run/held-hits.ts).
 *
 * Bounded whatever the log: a visitor is decided after `windowSeconds` of log time from its first held hit, after
 * `maxHeldPerVisitor` held hits, or as soon as the evidence says bot; when more than `maxHeld` hits are held, the
 * visitors held longest are decided with the evidence they have; at most `maxVisitors` visitors are remembered (the
 * oldest forgotten, decided first if they still hold hits). A visitor found to be a person stays watched: if later
 * requests show a bot, its later hits are dropped.
 *
 * What holding means for delivery (watermark, acknowledgement) is the sink's business: see run/bot-stage.ts.
 */
import {BOT_SAMPLES, type BotSample, type BotStats} from './bot-stats.js';
import {botReasons, botReasonLabels, reasonLabels} from './visitor-evidence.js';
import {LISTED, SUSPICIOUS, VERDICT_BITS} from './visitor-evidence-table.js';

export interface BotHoldSink {
	/** A held hit goes on: a person (`reasons` 0), or with --enable-bots a bot. */
	release(item: number, reasons: number): void;
	/** A held hit of a bot, not tracked. */
	drop(item: number, reasons: number): void;
}

export interface BotHoldOptions {
	windowSeconds: number;
	/** How long a suspicious visitor (pages, no assets, no referrers: not yet enough) may be held. */
	suspiciousWindowSeconds: number;
	maxHeldPerVisitor: number;
	maxHeld: number;
	/**
	 * How many hits (of all visitors) a held hit may fall behind before its visitor is decided: the checkpoint cannot
	 * pass a held hit, so the hits acknowledged after it are remembered one by one (and saved with each checkpoint).
	 */
	maxBehind: number;
	maxVisitors: number;
	/** --enable-bots: bots are released with their reasons, not dropped. */
	trackBots: boolean;
}

const UNDECIDED = 0;
const PERSON = 1;
const BOT = 2;

class Visitor {
	state = UNDECIDED;
	reasons = 0;
	/** The evidence after its latest line (see visitor-evidence-table.ts: OBSERVED, verdict bits, SUSPICIOUS, LISTED). */
	bits = 0;
	held: number[] | undefined;
	/** Log time and number (among all hits) of the first hit held in this round. */
	heldSince = 0;
	heldAt = 0;
	sample: BotSample | undefined;
	/** Its address and user agent, once its evidence first said bot (for the samples). */
	ip: string | undefined;
	userAgent: string | undefined;
}

export class BotHold {
	/** By visitor key, in the order first seen. */
	private readonly visitors = new Map<number, Visitor>();
	/** Undecided visitors holding hits, in the order they started holding. */
	private readonly pending = new Set<Visitor>();
	/** Those of them held past the window because they look suspicious, in the order they were moved here. */
	private readonly suspicious = new Set<Visitor>();
	/** The log time of the latest hit held or passed: the windows' clock. */
	private now = 0;
	/** Hits handed to the hold so far. */
	private hits = 0;

	constructor(
		private readonly options: BotHoldOptions,
		private readonly stats: BotStats,
		private readonly sink: BotHoldSink,
	) {}

	/**
	 * A line of the visitor `key` with its evidence after it (`bits`), whatever becomes of the line; `ip` and
	 * `userAgent` when the evidence first says bot. A held visitor found to be a bot is decided at once.
	 */
	observe(key: number, bits: number, ip?: string, userAgent?: string): void {
		const visitor = this.visitor(key);
		visitor.bits = bits;
		if (ip !== undefined) {
			visitor.ip = ip;
			visitor.userAgent = userAgent;
		}

		const reasons = bits & VERDICT_BITS;
		if (visitor.held !== undefined && reasons !== 0) this.decide(visitor);
		else if (visitor.state === BOT && (reasons & ~visitor.reasons) !== 0) this.moreReasons(visitor, reasons);
	}

	/** A hit of the visitor `key` (observed with its line first) that passed the filters: held, released or dropped. */
	hold(key: number, seconds: number, item: number): void {
		if (seconds > this.now) this.now = seconds;
		this.hits++;
		const visitor = this.visitor(key);
		const {stats} = this;
		// Bots by their user agent that --enable-bots tracks: tracked as the reference does, nothing to wait for.
		if ((visitor.bits & LISTED) !== 0) {
			this.sink.release(item, 0);
			return;
		}

		if (visitor.state === PERSON) {
			const reasons = visitor.bits & VERDICT_BITS;
			if (reasons === 0) {
				this.sink.release(item, 0);
				return;
			}

			// Its later requests gave it away: what was released is gone, the rest is not.
			this.foundBot(visitor, reasons);
		}

		if (visitor.state === BOT) {
			stats.hits++;
			if (visitor.sample) visitor.sample.hits++;
			if (this.options.trackBots) this.sink.release(item, visitor.reasons);
			else this.sink.drop(item, visitor.reasons);
			return;
		}

		if (visitor.held === undefined) {
			visitor.held = [];
			visitor.heldSince = seconds;
			visitor.heldAt = this.hits;
			this.pending.add(visitor);
		}

		visitor.held.push(item);
		stats.held++;
		if ((visitor.bits & VERDICT_BITS) !== 0 || visitor.held.length >= this.options.maxHeldPerVisitor) this.decide(visitor);
		this.expire();
	}

	/** Decide every visitor still holding hits (the end of an input, or of the run). */
	decideAll(): void {
		for (const visitor of this.pending.values()) this.decide(visitor);
		for (const visitor of this.suspicious.values()) this.decide(visitor);
	}

	/** Decide the visitor held longest, with the evidence it has (the sink is short of room); false when none is held. */
	decideOldest(): boolean {
		const pending = first(this.pending);
		const suspicious = first(this.suspicious);
		const oldest = pending === undefined || (suspicious !== undefined && suspicious.heldAt < pending.heldAt) ? suspicious : pending;
		if (oldest === undefined) return false;
		this.decide(oldest);
		return true;
	}

	private expire(): void {
		const {options} = this;
		const limit = this.now - options.windowSeconds;
		const behind = this.hits - options.maxBehind;
		for (const visitor of this.pending.values()) {
			const full = this.stats.held > options.maxHeld || visitor.heldAt <= behind;
			if (visitor.heldSince > limit && !full) break;
			if (!full && (visitor.bits & SUSPICIOUS) !== 0) {
				this.pending.delete(visitor);
				this.suspicious.add(visitor);
			} else {
				this.decide(visitor);
			}
		}

		const suspiciousLimit = this.now - options.suspiciousWindowSeconds;
		for (const visitor of this.suspicious.values()) {
			if (visitor.heldSince > suspiciousLimit && visitor.heldAt > behind && this.stats.held <= options.maxHeld) break;
			this.decide(visitor);
		}
	}

	private decide(visitor: Visitor): void {
		const held = visitor.held ?? [];
		visitor.held = undefined;
		this.pending.delete(visitor);
		this.suspicious.delete(visitor);
		this.stats.held -= held.length;
		const reasons = visitor.bits & VERDICT_BITS;
		if (reasons === 0) {
			visitor.state = PERSON;
			for (const item of held) this.sink.release(item, 0);
			return;
		}

		this.foundBot(visitor, reasons);
		this.stats.hits += held.length;
		if (visitor.sample) visitor.sample.hits += held.length;
		for (const item of held) {
			if (this.options.trackBots) this.sink.release(item, reasons);
			else this.sink.drop(item, reasons);
		}
	}

	private foundBot(visitor: Visitor, reasons: number): void {
		const {stats} = this;
		visitor.state = BOT;
		visitor.reasons = reasons;
		stats.visitors++;
		stats.levels.behavior++;
		this.countReasons(reasons);

		// Its strings come with the line that first said bot; a visitor forgotten here since (over maxVisitors) has none.
		if (visitor.ip === undefined || visitor.userAgent === undefined) return;
		visitor.sample = {ip: visitor.ip, userAgent: visitor.userAgent, hits: 0, why: reasonLabels(reasons)};
		if (stats.samples.length < BOT_SAMPLES) stats.samples.push(visitor.sample);
	}

	/**
	 * A bot's later lines show more of it: its reasons grow (the summary counts it under each; its next hits tracked
	 * with --enable-bots say them all).
	 */
	private moreReasons(visitor: Visitor, reasons: number): void {
		this.countReasons(reasons & ~visitor.reasons);
		visitor.reasons |= reasons;
		if (visitor.sample) visitor.sample.why = reasonLabels(visitor.reasons);
	}

	private countReasons(reasons: number): void {
		const {byReason} = this.stats;
		for (const reason of botReasons) {
			if ((reasons & (1 << botReasons.indexOf(reason))) === 0) continue;
			const label = botReasonLabels[reason];
			byReason[label] = (byReason[label] ?? 0) + 1;
		}
	}

	private visitor(key: number): Visitor {
		let visitor = this.visitors.get(key);
		if (visitor === undefined) {
			if (this.visitors.size >= this.options.maxVisitors) this.forgetOldest();
			visitor = new Visitor();
			this.visitors.set(key, visitor);
		}

		return visitor;
	}

	/** Forget the visitor seen first, deciding it if it still holds hits. */
	private forgetOldest(): void {
		for (const [key, oldest] of this.visitors) {
			if (oldest.held !== undefined) this.decide(oldest);
			this.visitors.delete(key);
			return;
		}
	}
}

function first<T>(set: Set<T>): T | undefined {
	for (const item of set) return item;
	return undefined;
}
