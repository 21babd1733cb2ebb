/**
 * The hold stage of --bot-detection=behavior: every parsed line is observed (before the filters drop static files and
 * robots.txt) into its visitor's evidence; every hit of a visitor not decided yet is held until the verdict, then
 * released (a person) or dropped (a bot; with --enable-bots released as a bot, with its reasons).
 *
 * Bounded whatever the log: a visitor is decided after `windowSeconds` of log time from its first held hit, after
 * `maxHeldPerVisitor` held hits, or as soon as the evidence says bot; when more than `maxHeld` hits are held, the
 * visitors held longest are decided with the evidence they have; at most `maxVisitors` addresses are remembered (the
 * oldest forgotten, decided first if they still hold hits). A visitor found to be a person stays watched: if later
 * requests show a bot, its later hits are dropped.
 *
 * What holding means for delivery (watermark, acknowledgement) is the sink's business: see run/bot-stage.ts.
 */
import {BOT_SAMPLES, type BotSample, type BotStats} from './bot-stats.js';
import {botReasons, botReasonLabels, reasonLabels, VisitorEvidence} from './visitor-evidence.js';

export interface BotHoldSink<T> {
	/** A held hit goes on: a person (`reasons` 0), or with --enable-bots a bot. */
	release(item: T, reasons: number): void;
	/** A held hit of a bot, not tracked. */
	drop(item: T, reasons: number): void;
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
	/** Which list names a user agent a bot, if any: those visitors reach the hold only with --enable-bots. */
	agentLevel(userAgent: string): 'reference' | 'modern' | undefined;
	/** Count the visitors each level leaves out (a dry run shows them): a look-up of each new visitor's user agent. */
	countLevels: boolean;
}

const UNDECIDED = 0;
const PERSON = 1;
const BOT = 2;

class Visitor<T> {
	state = UNDECIDED;
	reasons = 0;
	held: T[] | undefined;
	/** Log time and number (among all hits) of the first hit held in this round. */
	heldSince = 0;
	heldAt = 0;
	sample: BotSample | undefined;
	/** Whether a list names its user agent a bot; undefined: not asked yet. */
	listed: boolean | undefined;
	/** The next visitor with the same IP address (another user agent). */
	next: Visitor<T> | undefined;
	readonly evidence: VisitorEvidence;

	constructor(
		readonly userAgent: string,
		ip: string,
	) {
		this.evidence = new VisitorEvidence(ip, userAgent);
	}
}

export class BotHold<T> {
	/**
	 * By IP address, each with its chain of user agents: a look-up hashes the short address only (a user agent is
	 * compared, not hashed: a new string of some 120 characters on every line).
	 */
	private readonly visitors = new Map<string, Visitor<T>>();
	/** Undecided visitors holding hits, in the order they started holding. */
	private readonly pending = new Set<Visitor<T>>();
	/** Those of them held past the window because they look suspicious, in the order they were moved here. */
	private readonly suspicious = new Set<Visitor<T>>();
	/**
	 * The log time of the latest hit held or passed: the windows' clock. Not that of the lines observed, which run a
	 * batch ahead of the hits (a batch is parsed before its hits are handled).
	 */
	private now = 0;
	/** Hits handed to the hold so far. */
	private hits = 0;

	constructor(
		private readonly options: BotHoldOptions,
		private readonly stats: BotStats,
		private readonly sink: BotHoldSink<T>,
	) {}

	/** A parsed line, whatever becomes of it. */
	observe(ip: string, userAgent: string, path: string, extension: string, status: string, referrer: string, seconds: number): void {
		this.visitor(ip, userAgent).evidence.observe(path, extension, status, referrer, seconds);
	}

	/** A hit of the visitor (ip, userAgent) that passed the filters: held, released or dropped. */
	hold(ip: string, userAgent: string, seconds: number, item: T): void {
		if (seconds > this.now) this.now = seconds;
		this.hits++;
		const visitor = this.visitor(ip, userAgent);
		const {stats} = this;
		// Bots by their user agent that --enable-bots tracks: tracked as the reference does, nothing to wait for.
		visitor.listed ??= this.options.agentLevel(userAgent) !== undefined;
		if (visitor.listed) {
			this.sink.release(item, 0);
			return;
		}

		if (visitor.state === PERSON) {
			const reasons = visitor.evidence.verdict();
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
		if (visitor.evidence.verdict() !== 0 || visitor.held.length >= this.options.maxHeldPerVisitor) this.decide(visitor);
		this.expire();
	}

	/** Decide every visitor still holding hits (the end of an input, or of the run). */
	decideAll(): void {
		for (const visitor of this.pending.values()) this.decide(visitor);
		for (const visitor of this.suspicious.values()) this.decide(visitor);
	}

	private expire(): void {
		const {options} = this;
		const limit = this.now - options.windowSeconds;
		const behind = this.hits - options.maxBehind;
		for (const visitor of this.pending.values()) {
			const full = this.stats.held > options.maxHeld || visitor.heldAt <= behind;
			if (visitor.heldSince > limit && !full) break;
			if (!full && visitor.evidence.suspicious()) {
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

	private decide(visitor: Visitor<T>): void {
		const held = visitor.held ?? [];
		visitor.held = undefined;
		this.pending.delete(visitor);
		this.suspicious.delete(visitor);
		this.stats.held -= held.length;
		const reasons = visitor.evidence.verdict();
		if (reasons === 0) {
			visitor.state = PERSON;
			for (const item of held) this.sink.release(item, 0);
			return;
		}

		this.foundBot(visitor, reasons);
		this.stats.hits += held.length;
		visitor.sample!.hits += held.length;
		for (const item of held) {
			if (this.options.trackBots) this.sink.release(item, reasons);
			else this.sink.drop(item, reasons);
		}
	}

	private foundBot(visitor: Visitor<T>, reasons: number): void {
		const {stats} = this;
		visitor.state = BOT;
		visitor.reasons = reasons;
		stats.visitors++;
		stats.levels.behavior++;
		for (const reason of botReasons) {
			if ((reasons & (1 << botReasons.indexOf(reason))) === 0) continue;
			const label = botReasonLabels[reason];
			stats.byReason[label] = (stats.byReason[label] ?? 0) + 1;
		}

		visitor.sample = {ip: visitor.evidence.ip, userAgent: visitor.evidence.userAgent, hits: 0, why: reasonLabels(reasons)};
		if (stats.samples.length < BOT_SAMPLES) stats.samples.push(visitor.sample);
	}

	private visitor(ip: string, userAgent: string): Visitor<T> {
		const first = this.visitors.get(ip);
		for (let visitor = first; visitor !== undefined; visitor = visitor.next) {
			if (visitor.userAgent === userAgent) return visitor;
		}

		const visitor = new Visitor<T>(userAgent, ip);
		if (this.options.countLevels) {
			const level = this.options.agentLevel(userAgent);
			visitor.listed = level !== undefined;
			if (level !== undefined) {
				const {levels} = this.stats;
				if (level === 'reference') levels.reference++;
				levels.modern++;
				levels.behavior++;
			}
		}

		if (first === undefined) {
			if (this.visitors.size >= this.options.maxVisitors) this.forgetOldest();
			this.visitors.set(ip, visitor);
		} else {
			visitor.next = first.next;
			first.next = visitor;
		}

		return visitor;
	}

	/** Forget the address seen first (and its user agents), deciding those that still hold hits. */
	private forgetOldest(): void {
		for (const [ip, oldest] of this.visitors) {
			for (let visitor: Visitor<T> | undefined = oldest; visitor !== undefined; visitor = visitor.next) {
				if (visitor.held !== undefined) this.decide(visitor);
			}

			this.visitors.delete(ip);
			return;
		}
	}
}
