/**
 * --bot-detection=behavior in the run: the hold stage (filter/bots/bot-hold.ts) with what holding means for
 * delivery. A held hit has its watermark entry already (so the checkpoint cannot move past it: a stop or a crash
 * before its verdict reads it again on resume) and is not in the recorders (so it is not acknowledged). Released,
 * it goes to the recorders like any hit; dropped as a bot, it is acknowledged at once (done, like a filtered line)
 * and counted as a bot.
 *
 * The evidence comes with each parsed batch (filter/bots/visitor-evidence-table.ts: gathered where the batch was
 * parsed); the run passes every line's to `line` in order, then holds the line's hit, if any, with one of the `hold…`
 * methods (they take the visitor of the line passed last). Plain hits keep their request built by the line stage:
 * its bytes are copied into HeldHits, with no object per held hit.
 */
import type {ImportConfig} from '../options/config.js';
import type {Hit} from '../parse/hit.js';
import type {ParsedBatch} from '../parse/parsed-batch.js';
import type {Recorders} from '../record/recorders.js';
import type {HitRef} from '../record/hit-batch.js';
import type {InputWatermark} from '../record/watermark.js';
import type {QueryBuilder, SiteTarget} from '../track/tracking-request.js';
import type {InputProgress, RunState} from './run-state.js';
import {BotHold} from '../filter/bots/bot-hold.js';
import {createBotStats} from '../filter/bots/bot-stats.js';
import {reasonLabels} from '../filter/bots/visitor-evidence.js';
import {evidenceTableOf, type EvidenceColumns, type VisitorEvidenceTable} from '../filter/bots/visitor-evidence-table.js';
import {HeldHits, type SlowHeld} from './held-hits.js';

export interface BotStageRun {
	readonly state: RunState;
	readonly recorders: Recorders | undefined;
	readonly queries: QueryBuilder;
	watermark(input: number): InputWatermark | undefined;
	/** A hit was acknowledged without Matomo: the checkpoint may move. */
	changed(): void;
}

/** How many bytes of held requests at most: past it, the visitors held longest are decided to make room. */
const maxHeldBytes = 64 * 1024 * 1024;

/** A held hit on the slow path: its request built when held, or with --enable-bots on release (with why, if a bot). */
class SlowHit implements SlowHeld {
	constructor(
		private readonly query: string | undefined,
		private readonly hit: Hit | undefined,
		private readonly site: SiteTarget | undefined,
		private readonly queries: QueryBuilder,
	) {}

	build(reasons: number): string {
		if (this.query !== undefined) return this.query;
		const hit = this.hit!;
		if (reasons !== 0) {
			// --enable-bots: tracked as a bot, with why (a page custom variable, beside HTTP-code).
			hit.isRobot = true;
			(hit.pageCvars ??= []).push(['Bot-reason', reasonLabels(reasons).join(', ')]);
		}

		return this.queries.build(hit, this.site!);
	}
}

export class BotStage {
	/** The evidence of the lines parsed in this thread; a parse worker takes it over for a while (see ParsePaths). */
	readonly table: VisitorEvidenceTable;
	private readonly holding: BotHold;
	private readonly held = new HeldHits(maxHeldBytes);
	private readonly trackBots: boolean;
	/** The batch being handled, and the next of its found visitors. */
	private batch: EvidenceColumns | undefined;
	private found = 0;
	/** The visitor (its slot) and log time of the line passed last. */
	private slot = 0;
	private seconds = 0;
	private readonly ref: HitRef = {input: 0, lineNo: 0, seq: 0, part: 0, ip: 0, user: 0, day: 0};

	constructor(
		config: ImportConfig,
		private readonly run: BotStageRun,
	) {
		this.trackBots = config.enableBots;
		const stats = createBotStats(config.enableBots);
		run.state.bots = stats;
		this.table = evidenceTableOf(config)!;
		this.holding = new BotHold(
			{
				windowSeconds: 30 * 60,
				suspiciousWindowSeconds: 6 * 3600,
				maxHeldPerVisitor: 40,
				maxHeld: 100_000,
				maxBehind: 5000,
				trackBots: config.enableBots,
			},
			stats,
			{
				release: (id, reasons) => this.release(id, reasons),
				drop: id => this.drop(id),
			},
		);
	}

	/** A parsed batch is next: its lines' evidence, and the new visitors a list names (a dry run counts them). */
	startBatch(parsed: ParsedBatch): void {
		this.batch = parsed;
		this.found = 0;
		const {levels} = this.run.state.bots!;
		levels.reference += parsed.botLevels.reference;
		levels.modern += parsed.botLevels.modern;
		levels.behavior += parsed.botLevels.modern;
	}

	/** Line `index` of the batch, whatever becomes of it (lines without evidence have none to pass). */
	line(index: number): void {
		const batch = this.batch!;
		const bits = batch.botBits[index]!;
		if (bits === 0) return;
		this.slot = batch.botSlots[index]!;
		this.seconds = batch.botSeconds[index]!;
		const found = batch.botFound[this.found];
		if (found?.index === index) {
			this.found++;
			this.holding.observe(this.slot, bits, found.ip, found.userAgent);
		} else {
			this.holding.observe(this.slot, bits);
		}
	}

	/** The line's plain hit (its request `entries[from, to)`, its watermark entry `ref.seq`), once its visitor is a person. */
	holdEntry(entries: Buffer, from: number, to: number, ref: HitRef, progress: InputProgress): void {
		// A person's: sent from the batch, not copied.
		if (this.holding.passes(this.slot, this.seconds)) {
			this.run.recorders!.addEntry(entries, from, to, ref);
			return;
		}

		// Room for its bytes: the visitors held longest are decided first.
		while (this.held.wouldOverflow(to - from) && this.holding.decideOldest());
		this.holding.hold(this.slot, this.seconds, this.held.addEntry(entries, from, to, ref, progress));
	}

	/** The line's hit on the slow path (its watermark entry `ref.seq`), once its visitor is a person. */
	hold(hit: Hit, progress: InputProgress, site: SiteTarget, ref: HitRef): void {
		const {queries} = this.run;
		const slow = this.trackBots ? new SlowHit(undefined, hit, site, queries) : new SlowHit(queries.build(hit, site), undefined, undefined, queries);
		this.holding.hold(this.slot, this.seconds, this.held.addOther(ref, progress, slow));
	}

	/** A dry run's hit of the line: counted as recorded once its visitor is found to be a person. */
	holdCounted(progress: InputProgress): void {
		if (this.holding.passes(this.slot, this.seconds)) {
			this.run.state.counters.hitsRecorded++;
			progress.hits++;
			return;
		}

		this.holding.hold(this.slot, this.seconds, this.held.addOther(undefined, progress, undefined));
	}

	/** The end of an input: every visitor still waiting is decided with the evidence there is. */
	decideAll(): void {
		this.holding.decideAll();
	}

	private release(id: number, reasons: number): void {
		const {run, held, ref} = this;
		if (!held.refOf(id, ref)) {
			run.state.counters.hitsRecorded++;
			held.progressOf(id).hits++;
		} else {
			const slow = held.slowOf(id);
			if (slow === undefined) run.recorders!.addEntry(held.bytes, held.entryFrom(id), held.entryTo(id), ref);
			else run.recorders!.add(slow.build(reasons), {...ref});
		}

		held.free(id);
	}

	private drop(id: number): void {
		const {counters} = this.run.state;
		counters.hitsQueued--;
		counters.skipped.bot++;
		const seq = this.held.seqOf(id);
		if (seq !== -1) {
			this.run.watermark(this.held.inputOf(id))?.ack(seq);
			this.run.changed();
		}

		this.held.free(id);
	}
}
