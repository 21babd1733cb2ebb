/**
 * The evidence of --bot-detection=behavior, gathered where the lines are parsed (a parse worker or the run's thread
 * alike): every parsed line updates its visitor's VisitorEvidence (filter/bots/visitor-evidence.ts), and what the hold
 * needs of it goes to the run as columns of the parsed batch, numbers only: the visitor's key, its verdict after the
 * line, whether it looks suspicious, whether a list names its user agent a bot, and the line's log time. The hold in
 * the run's thread (bot-hold.ts) then never touches a string or a VisitorEvidence.
 *
 * The table is the run's, whichever thread has it: it goes to a parse worker with the input (`state()`), and comes
 * back when the worker is done, so the evidence of one input carries into the next as it did in one thread.
 */
import type {ImportConfig} from '../../options/config.js';
import {isModernBotAgent} from './modern-agents.js';
import {VisitorEvidence} from './visitor-evidence.js';

/** The bits of a line's evidence byte (`ParsedBatch.botBits`): the verdict's reasons in the low five. */
export const VERDICT_BITS = 0x1f;
export const SUSPICIOUS = 0x20;
/** A list (the reference's or isbot's) names the user agent a bot. */
export const LISTED = 0x40;
/** The line has evidence (it parsed, with a date): 0 means the other columns are not set. */
export const OBSERVED = 0x80;

export type AgentLevel = 'reference' | 'modern' | undefined;

/** A visitor whose verdict became non-zero on line `index` of a batch: the hold's samples need its strings. */
export interface FoundVisitor {
	index: number;
	ip: string;
	userAgent: string;
}

/** Where the table writes, for one batch (see ParsedBatch). */
export interface EvidenceColumns {
	botKeys: Float64Array;
	botBits: Uint8Array;
	botSeconds: Float64Array;
	botFound: FoundVisitor[];
	/** New visitors whose user agent a list names a bot, by list (counted in a dry run only: --dry-run shows them). */
	botLevels: {reference: number; modern: number};
}

export interface VisitorEvidenceTableOptions {
	maxVisitors: number;
	/** Whether each new visitor's user agent is looked up in the lists (needed with --enable-bots and in a dry run). */
	lookUpAgents: boolean;
	/** Count the new visitors each list names (a dry run). */
	countLevels: boolean;
	agentLevel(userAgent: string): AgentLevel;
}

/** The table as plain data (structured-cloned to and from a worker), visitors in the order they were first seen. */
export interface VisitorEvidenceState {
	visitors: Array<{key: number; listed: boolean; found: boolean; evidence: VisitorEvidence}>;
}

class Entry {
	/** The next visitor with the same IP address (another user agent). */
	next: Entry | undefined;
	constructor(
		readonly key: number,
		readonly listed: boolean,
		/** Its verdict was non-zero once (its strings went to the run). */
		public found: boolean,
		readonly evidence: VisitorEvidence,
	) {}
}

export class VisitorEvidenceTable {
	/** Where `observe` writes (set by the batch parser for each batch) and the line it is at. */
	columns: EvidenceColumns | undefined;
	line = 0;
	/**
	 * By IP address, each with its chain of user agents: a look-up hashes the short address only (a user agent is
	 * compared, not hashed: a new string of some 120 characters on every line).
	 */
	private readonly visitors = new Map<string, Entry>();
	private count = 0;

	constructor(
		private readonly options: VisitorEvidenceTableOptions,
		state?: VisitorEvidenceState,
	) {
		if (state) this.restore(state);
	}

	/** Take over the table a worker had (it went on from this one's state): its visitors replace these. */
	restore(state: VisitorEvidenceState): void {
		this.visitors.clear();
		this.count = 0;
		for (const saved of state.visitors) {
			const {ip, userAgent} = saved.evidence;
			const evidence = Object.assign(new VisitorEvidence(ip, userAgent), saved.evidence);
			this.insert(ip, new Entry(saved.key, saved.listed, saved.found, evidence));
		}
	}

	/** A parsed line with its date, whatever becomes of it: its visitor's evidence, and the line's columns. */
	observe(ip: string, userAgent: string, path: string, extension: string, status: string, referrer: string, seconds: number): void {
		const entry = this.entry(ip, userAgent);
		const {evidence} = entry;
		evidence.observe(path, extension, status, referrer, seconds);
		const verdict = evidence.verdict();
		const columns = this.columns;
		if (columns === undefined) return;
		const {line} = this;
		columns.botKeys[line] = entry.key;
		columns.botSeconds[line] = seconds;
		columns.botBits[line] = OBSERVED | verdict | (evidence.suspicious() ? SUSPICIOUS : 0) | (entry.listed ? LISTED : 0);
		if (verdict !== 0 && !entry.found) {
			entry.found = true;
			columns.botFound.push({index: line, ip, userAgent});
		}
	}

	/** The table as plain data, to go on in another thread. */
	state(): VisitorEvidenceState {
		const visitors: VisitorEvidenceState['visitors'] = [];
		for (const first of this.visitors.values()) {
			for (let entry: Entry | undefined = first; entry !== undefined; entry = entry.next) {
				visitors.push({key: entry.key, listed: entry.listed, found: entry.found, evidence: entry.evidence});
			}
		}

		return {visitors};
	}

	private entry(ip: string, userAgent: string): Entry {
		for (let entry = this.visitors.get(ip); entry !== undefined; entry = entry.next) {
			if (entry.evidence.userAgent === userAgent) return entry;
		}

		const {options} = this;
		let listed = false;
		if (options.lookUpAgents || options.countLevels) {
			const level = options.agentLevel(userAgent);
			listed = level !== undefined;
			if (listed && options.countLevels && this.columns !== undefined) {
				const {botLevels} = this.columns;
				if (level === 'reference') botLevels.reference++;
				botLevels.modern++;
			}
		}

		const entry = new Entry(visitorKey(ip, userAgent), listed, false, new VisitorEvidence(ip, userAgent));
		this.insert(ip, entry);
		return entry;
	}

	private insert(ip: string, entry: Entry): void {
		const first = this.visitors.get(ip);
		if (first === undefined) {
			// Forget the addresses seen first (with their user agents) to make room.
			while (this.count >= this.options.maxVisitors && this.visitors.size > 0) this.forgetOldest();
			this.visitors.set(ip, entry);
		} else {
			entry.next = first.next;
			first.next = entry;
		}

		this.count++;
	}

	private forgetOldest(): void {
		for (const [ip, oldest] of this.visitors) {
			for (let entry: Entry | undefined = oldest; entry !== undefined; entry = entry.next) this.count--;
			this.visitors.delete(ip);
			return;
		}
	}
}

/**
 * A visitor's key: two 32-bit hashes (FNV-1a and a multiplicative one) of its IP address and user agent, as one
 * 53-bit number. Two of 100,000 visitors share one with a chance of about one in two million.
 */
export function visitorKey(ip: string, userAgent: string): number {
	let a = 0x81_1c_9d_c5;
	let b = 0x9e_37_79_b9;
	const add = (code: number) => {
		a = Math.imul(a ^ code, 0x01_00_01_93);
		b = Math.imul(b + code, 0x85_eb_ca_6b) ^ (b >>> 13);
	};

	for (let i = 0; i < ip.length; i++) add(ip.charCodeAt(i));
	add(10);
	for (let i = 0; i < userAgent.length; i++) add(userAgent.charCodeAt(i));
	b = Math.imul(b ^ (b >>> 16), 0xc2_b2_ae_35);
	b ^= b >>> 13;
	return (a >>> 11) * 0x1_00_00_00_00 + (b >>> 0);
}

/** Which list names a user agent a bot: the reference's (with --useragent-exclude) or isbot's. */
export function agentLevelOf(config: Pick<ImportConfig, 'excludedUserAgents'>): (userAgent: string) => AgentLevel {
	const excluded = config.excludedUserAgents;
	return userAgent => {
		const lower = userAgent.toLowerCase();
		if (excluded.some(needle => lower.includes(needle))) return 'reference';
		return isModernBotAgent(userAgent) ? 'modern' : undefined;
	};
}

/** The table of a run (or a worker's share of it) with --bot-detection=behavior; undefined at the other levels. */
export function evidenceTableOf(
	config: Pick<ImportConfig, 'botDetection' | 'excludedUserAgents' | 'enableBots' | 'dryRun'>,
	state?: VisitorEvidenceState,
): VisitorEvidenceTable | undefined {
	if (config.botDetection !== 'behavior') return undefined;
	return new VisitorEvidenceTable(
		{maxVisitors: MAX_VISITORS, lookUpAgents: config.enableBots, countLevels: config.dryRun, agentLevel: agentLevelOf(config)},
		state,
	);
}

/** How many visitors (IP and user agent) the table and the hold remember, the oldest forgotten. */
export const MAX_VISITORS = 100_000;
