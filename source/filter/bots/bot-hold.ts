/**
 * The hold stage of --bot-detection=behavior: every hit of a visitor not decided yet is held until the verdict, then
 * released (a person) or dropped (a bot; with --enable-bots released as a bot, with its reasons).
 *
 * It works on numbers only: the evidence is gathered where the lines are parsed (visitor-evidence-table.ts), and each
 * line brings its visitor's slot and verdict after it (`observe`), every line, not only hits, in the order of the log.
 * A held item is a number too (what it stands for is the sink's business: see run/held-hits.ts).
 *
 * Bounded whatever the log: a visitor is decided after `windowSeconds` of log time from its first held hit, after
 * `maxHeldPerVisitor` held hits, or as soon as the evidence says bot; when more than `maxHeld` hits are held, the
 * visitors held longest are decided with the evidence they have. The visitors remembered are those of the evidence
 * table (bounded there): one forgotten there is decided here first if it still holds hits. A visitor found to be a
 * person stays watched: if later requests show a bot, its later hits are dropped.
 *
 * What holding means for delivery (watermark, acknowledgement) is the sink's business: see run/bot-stage.ts.
 */
import {BOT_SAMPLES, type BotSample, type BotStats} from './bot-stats.js';
import {botReasons, botReasonLabels, reasonLabels} from './visitor-evidence.js';
import {LISTED, NEW_VISITOR, SUSPICIOUS, VERDICT_BITS} from './visitor-evidence-table.js';
import {grown} from '../../core/typed-arrays.js';

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
	/** --enable-bots: bots are released with their reasons, not dropped. */
	trackBots: boolean;
}

const UNDECIDED = 0;
const PERSON = 1;
const BOT = 2;

/**
 * The visitors, by the slot the evidence table gave them (visitor-evidence-table.ts): parallel arrays, no object per
 * visitor. A slot's next visitor comes with NEW_VISITOR on its first line: the one before is forgotten here too.
 */
export class BotHold {
	private state = new Uint8Array(1024);
	private reasons = new Uint8Array(1024);
	/** The evidence after the visitor's latest line (see visitor-evidence-table.ts: verdict bits, SUSPICIOUS, LISTED). */
	private bits = new Uint16Array(1024);
	/** Log time and number (among all hits) of the first hit held in this round. */
	private heldSince = new Float64Array(1024);
	private heldAt = new Float64Array(1024);
	private held: Array<number[] | undefined> = [];
	private samples: Array<BotSample | undefined> = [];
	/** Its address and user agent, once its evidence first said bot (for the samples). */
	private ips: Array<string | undefined> = [];
	private userAgents: Array<string | undefined> = [];
	/** Undecided visitors holding hits, in the order they started holding. */
	private readonly pending = new Set<number>();
	/** Those of them held past the window because they look suspicious, in the order they were moved here. */
	private readonly suspicious = new Set<number>();
	/** The log time of the latest hit held or passed: the windows' clock. */
	private now = 0;
	/** Hits handed to the hold so far. */
	private hits = 0;
	/**
	 * When the visitor held longest may be due (by log time, by hits): `expire` looks before. Never later than due;
	 * earlier only costs a look.
	 */
	private dueSeconds = Number.POSITIVE_INFINITY;
	private dueHits = Number.POSITIVE_INFINITY;

	constructor(
		private readonly options: BotHoldOptions,
		private readonly stats: BotStats,
		private readonly sink: BotHoldSink,
	) {}

	/**
	 * A line of the visitor in `slot` with its evidence after it (`bits`), whatever becomes of the line; `ip` and
	 * `userAgent` when the evidence first says bot. A held visitor found to be a bot is decided at once.
	 */
	observe(slot: number, bits: number, ip?: string, userAgent?: string): void {
		if ((bits & NEW_VISITOR) !== 0) this.newVisitor(slot);
		this.bits[slot] = bits;
		if (ip !== undefined) {
			this.ips[slot] = ip;
			this.userAgents[slot] = userAgent;
		}

		const reasons = bits & VERDICT_BITS;
		if (reasons === 0) return;
		if (this.held[slot] !== undefined) this.decide(slot);
		else if (this.state[slot] === BOT && (reasons & ~this.reasons[slot]!) !== 0) this.moreReasons(slot, reasons);
	}

	/**
	 * Whether a hit of the visitor in `slot` goes straight on (a person's, or with --enable-bots a listed bot's), so the
	 * sink need not keep it: then it is counted as handed to the hold, and the caller sends it instead of `hold`.
	 */
	passes(slot: number, seconds: number): boolean {
		const bits = this.bits[slot]!;
		if ((bits & LISTED) === 0 && (this.state[slot] !== PERSON || (bits & VERDICT_BITS) !== 0)) return false;
		if (seconds > this.now) this.now = seconds;
		this.hits++;
		return true;
	}

	/** A hit of the visitor in `slot` (observed with its line first) that passed the filters: held, released or dropped. */
	hold(slot: number, seconds: number, item: number): void {
		if (seconds > this.now) this.now = seconds;
		this.hits++;
		const {stats} = this;
		const bits = this.bits[slot]!;
		// Bots by their user agent that --enable-bots tracks: tracked as the reference does, nothing to wait for.
		if ((bits & LISTED) !== 0) {
			this.sink.release(item, 0);
			return;
		}

		if (this.state[slot] === PERSON) {
			const reasons = bits & VERDICT_BITS;
			if (reasons === 0) {
				this.sink.release(item, 0);
				return;
			}

			// Its later requests gave it away: what was released is gone, the rest is not.
			this.foundBot(slot, reasons);
		}

		if (this.state[slot] === BOT) {
			stats.hits++;
			const sample = this.samples[slot];
			if (sample) sample.hits++;
			if (this.options.trackBots) this.sink.release(item, this.reasons[slot]!);
			else this.sink.drop(item, this.reasons[slot]!);
			return;
		}

		let held = this.held[slot];
		if (held === undefined) {
			held = [];
			this.held[slot] = held;
			this.heldSince[slot] = seconds;
			this.heldAt[slot] = this.hits;
			this.pending.add(slot);
			this.dueSeconds = Math.min(this.dueSeconds, seconds + this.options.windowSeconds);
			this.dueHits = Math.min(this.dueHits, this.hits + this.options.maxBehind);
		}

		held.push(item);
		stats.held++;
		if ((bits & VERDICT_BITS) !== 0 || held.length >= this.options.maxHeldPerVisitor) this.decide(slot);
		this.expire();
	}

	/** Decide every visitor still holding hits (the end of an input, or of the run). */
	decideAll(): void {
		for (const slot of this.pending.values()) this.decide(slot);
		for (const slot of this.suspicious.values()) this.decide(slot);
	}

	/** Decide the visitor held longest, with the evidence it has (the sink is short of room); false when none is held. */
	decideOldest(): boolean {
		const pending = first(this.pending);
		const suspicious = first(this.suspicious);
		const oldest = pending === undefined || (suspicious !== undefined && this.heldAt[suspicious]! < this.heldAt[pending]!) ? suspicious : pending;
		if (oldest === undefined) return false;
		this.decide(oldest);
		return true;
	}

	private expire(): void {
		const {options, heldSince, heldAt} = this;
		if (this.now < this.dueSeconds && this.hits < this.dueHits && this.stats.held <= options.maxHeld) return;
		const limit = this.now - options.windowSeconds;
		const behind = this.hits - options.maxBehind;
		for (const slot of this.pending.values()) {
			const full = this.stats.held > options.maxHeld || heldAt[slot]! <= behind;
			if (heldSince[slot]! > limit && !full) break;
			if (!full && (this.bits[slot]! & SUSPICIOUS) !== 0) {
				this.pending.delete(slot);
				this.suspicious.add(slot);
			} else {
				this.decide(slot);
			}
		}

		const suspiciousLimit = this.now - options.suspiciousWindowSeconds;
		for (const slot of this.suspicious.values()) {
			if (heldSince[slot]! > suspiciousLimit && heldAt[slot]! > behind && this.stats.held <= options.maxHeld) break;
			this.decide(slot);
		}

		const pending = first(this.pending);
		const suspicious = first(this.suspicious);
		this.dueSeconds = Math.min(
			pending === undefined ? Number.POSITIVE_INFINITY : heldSince[pending]! + options.windowSeconds,
			suspicious === undefined ? Number.POSITIVE_INFINITY : heldSince[suspicious]! + options.suspiciousWindowSeconds,
		);
		this.dueHits = Math.min(
			pending === undefined ? Number.POSITIVE_INFINITY : heldAt[pending]! + options.maxBehind,
			suspicious === undefined ? Number.POSITIVE_INFINITY : heldAt[suspicious]! + options.maxBehind,
		);
	}

	private decide(slot: number): void {
		const held = this.held[slot] ?? [];
		this.held[slot] = undefined;
		this.pending.delete(slot);
		this.suspicious.delete(slot);
		this.stats.held -= held.length;
		const reasons = this.bits[slot]! & VERDICT_BITS;
		if (reasons === 0) {
			this.state[slot] = PERSON;
			for (const item of held) this.sink.release(item, 0);
			return;
		}

		this.foundBot(slot, reasons);
		this.stats.hits += held.length;
		const sample = this.samples[slot];
		if (sample) sample.hits += held.length;
		for (const item of held) {
			if (this.options.trackBots) this.sink.release(item, reasons);
			else this.sink.drop(item, reasons);
		}
	}

	private foundBot(slot: number, reasons: number): void {
		const {stats} = this;
		this.state[slot] = BOT;
		this.reasons[slot] = reasons;
		stats.visitors++;
		stats.levels.behavior++;
		this.countReasons(reasons);
		const ip = this.ips[slot];
		const userAgent = this.userAgents[slot];
		if (ip === undefined || userAgent === undefined) return;
		const sample = {ip, userAgent, hits: 0, why: reasonLabels(reasons)};
		this.samples[slot] = sample;
		if (stats.samples.length < BOT_SAMPLES) stats.samples.push(sample);
	}

	/**
	 * A bot's later lines show more of it: its reasons grow (the summary counts it under each; its next hits tracked
	 * with --enable-bots say them all).
	 */
	private moreReasons(slot: number, reasons: number): void {
		this.countReasons(reasons & ~this.reasons[slot]!);
		this.reasons[slot]! |= reasons;
		const sample = this.samples[slot];
		if (sample) sample.why = reasonLabels(this.reasons[slot]!);
	}

	private countReasons(reasons: number): void {
		const {byReason} = this.stats;
		for (const reason of botReasons) {
			if ((reasons & (1 << botReasons.indexOf(reason))) === 0) continue;
			const label = botReasonLabels[reason];
			byReason[label] = (byReason[label] ?? 0) + 1;
		}
	}

	/** The slot has a new visitor: the one before it was forgotten (decided first, if it still holds hits). */
	private newVisitor(slot: number): void {
		if (slot >= this.state.length) this.grow(slot);
		else if (this.held[slot] !== undefined) this.decide(slot);
		this.state[slot] = UNDECIDED;
		this.reasons[slot] = 0;
		this.samples[slot] = undefined;
		this.ips[slot] = undefined;
		this.userAgents[slot] = undefined;
	}

	private grow(slot: number): void {
		const size = Math.max(this.state.length * 2, slot + 1);
		this.state = grown(this.state, new Uint8Array(size));
		this.reasons = grown(this.reasons, new Uint8Array(size));
		this.bits = grown(this.bits, new Uint16Array(size));
		this.heldSince = grown(this.heldSince, new Float64Array(size));
		this.heldAt = grown(this.heldAt, new Float64Array(size));
	}
}

function first<T>(set: Set<T>): T | undefined {
	for (const item of set) return item;
	return undefined;
}
