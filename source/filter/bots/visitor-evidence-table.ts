/**
 * The evidence of --bot-detection=behavior, gathered where the lines are parsed (a parse worker or the run's thread
 * alike): every parsed line updates its visitor's evidence (filter/bots/visitor-evidence.ts), and what the hold needs
 * of it goes to the run as columns of the parsed batch, numbers only: the visitor's slot, its verdict after the line,
 * whether it looks suspicious, whether a list names its user agent a bot (and a hit's log time, written by the batch
 * parser). The hold in the run's thread (bot-hold.ts) then never touches a string or a visitor's evidence.
 *
 * The visitor look-up also answers the checks' bot-list question for the line (`listed`): its user agent is looked
 * up in the lists once per visitor, not once per line.
 *
 * The table is the run's, whichever thread has it: it goes to a parse worker with the input (`state()`), and comes
 * back when the worker is done, so the evidence of one input carries into the next as it did in one thread.
 */
import type {ImportConfig} from '../../options/config.js';
import {isModernBotAgent} from './modern-agents.js';
import {hasBotSubstring} from '../lists.js';
import {EvidenceStore, type LineKind} from './visitor-evidence.js';
import {AddressIndex, type AddressIndexState} from './address-index.js';
import {grown} from '../../core/typed-arrays.js';

/** The bits of a line's evidence (`ParsedBatch.botBits`): the verdict's reasons in the low five. */
export const VERDICT_BITS = 0x1f;
export const SUSPICIOUS = 0x20;
/** A list (the reference's or isbot's) names the user agent a bot. */
export const LISTED = 0x40;
/** The line has evidence (it parsed; a page with its date): 0 means the other columns are not set. */
export const OBSERVED = 0x80;
/** The line's visitor is new in its slot: whoever had the slot before was forgotten. */
export const NEW_VISITOR = 0x100;

export type AgentLevel = 'reference' | 'modern' | undefined;

/** A visitor whose verdict became non-zero on line `index` of a batch: the hold's samples need its strings. */
export interface FoundVisitor {
	index: number;
	ip: string;
	userAgent: string;
}

/** Where the table writes, for one batch (see ParsedBatch). */
export interface EvidenceColumns {
	/** The slot of each line's visitor (see VisitorEvidenceTable). */
	botSlots: Uint32Array;
	botBits: Uint16Array;
	/** A hit's log time (the hold's clock), set by the batch parser for hits only. */
	botSeconds: Float64Array;
	botFound: FoundVisitor[];
	/** New visitors whose user agent a list names a bot, by list (counted in a dry run only: --dry-run shows them). */
	botLevels: {reference: number; modern: number};
}

export interface VisitorEvidenceTableOptions {
	maxVisitors: number;
	/** Count the new visitors each list names (a dry run). */
	countLevels: boolean;
	agentLevel(userAgent: string): AgentLevel;
}

/**
 * The table as plain data, to and from a worker: strings joined (one string each rather than one per visitor) and
 * typed arrays (moved, not copied, when the worker gives the table back).
 */
export interface VisitorEvidenceState {
	/** The addresses in the order first seen, and the first slot of each one's chain. */
	addresses: AddressIndexState;
	/** The distinct user agents, one a line, and each slot's (an index into them; -1: a free slot). */
	agents: string;
	agentOf: Int32Array<ArrayBuffer>;
	next: Int32Array<ArrayBuffer>;
	flags: Uint8Array<ArrayBuffer>;
	free: Int32Array<ArrayBuffer>;
	used: number;
	count: number;
	records: Float64Array<ArrayBuffer>;
}

/** The buffers of a state, to be transferred. */
export function stateBuffers(state: VisitorEvidenceState): ArrayBuffer[] {
	const {addresses} = state;
	return [
		addresses.heads.buffer,
		addresses.numbers.buffer,
		addresses.other.buffer,
		state.agentOf.buffer,
		state.next.buffer,
		state.flags.buffer,
		state.free.buffer,
		state.records.buffer,
	];
}

const LISTED_FLAG = 1;
const FOUND_FLAG = 2;

/**
 * The visitors (IP address and user agent) of the run, each in a slot: a small number that the lines' columns carry
 * and the hold in the run's thread indexes its arrays with. A slot is taken by a new visitor and given back when the
 * visitor is forgotten (at most `maxVisitors` are remembered: the addresses seen first are forgotten, with their user
 * agents); its next visitor's first line says NEW_VISITOR, so the hold forgets the same visitors.
 */
export class VisitorEvidenceTable {
	/** Where `observe` writes (set by the batch parser for each batch) and the line it is at. */
	columns: EvidenceColumns | undefined;
	line = 0;
	/** Whether a list names the user agent of the line observed last a bot (what the checks would find). */
	listed = false;
	/** By IP address, the first slot of its chain of user agents. */
	private addresses = new AddressIndex();
	/** What the latest look-up found of its address: the first slot of its chain, or -1 (a new address). */
	private head = -1;
	private userAgents: string[] = [];
	/** The next slot with the same address, or -1. */
	private next = new Int32Array(1024);
	private flags = new Uint8Array(1024);
	/** Slots given back, and how many were ever taken. */
	private free: number[] = [];
	private used = 0;
	/** Visitors remembered. */
	private count = 0;
	private readonly evidence = new EvidenceStore();
	/** One copy of each user agent (its string from a line would keep the whole line alive), with what the lists say of it. */
	private readonly agents = new Map<string, KnownAgent>();

	/** A state taken over and not looked at yet (see `restore`). */
	private taken: VisitorEvidenceState | undefined;

	constructor(
		private readonly options: VisitorEvidenceTableOptions,
		state?: VisitorEvidenceState,
	) {
		this.taken = state;
	}

	/**
	 * Take over the table a worker had (it went on from this one's state). Unpacked when a line needs it: the state of
	 * a run's last input, or of inputs parsed by workers one after another, only passes through this thread.
	 */
	restore(state: VisitorEvidenceState): void {
		this.taken = state;
		this.addresses = new AddressIndex();
		this.agents.clear();
		this.userAgents = [];
	}

	private unpack(state: VisitorEvidenceState): void {
		this.taken = undefined;
		this.addresses = AddressIndex.from(state.addresses);
		const agents = state.agents === '' ? [] : state.agents.split('\n');
		this.agents.clear();
		this.userAgents = [];
		for (let slot = 0; slot < state.used; slot++) this.userAgents[slot] = this.agent(agents[state.agentOf[slot]!] ?? '').text;
		this.next = state.next;
		this.flags = state.flags;
		this.free = [...state.free];
		this.used = state.used;
		this.count = state.count;
		this.evidence.records = state.records;
	}

	/** The table as plain data, to go on in another thread (see VisitorEvidenceState). */
	state(): VisitorEvidenceState {
		const {taken} = this;
		if (taken !== undefined) {
			this.taken = undefined;
			return taken;
		}

		const index = new Map<string, number>();
		const agentOf = new Int32Array(this.used);
		for (let slot = 0; slot < this.used; slot++) {
			const agent = this.userAgents[slot]!;
			let at = index.get(agent);
			if (at === undefined) {
				at = index.size;
				index.set(agent, at);
			}

			agentOf[slot] = at;
		}

		return {
			addresses: this.addresses.state(),
			agents: [...index.keys()].join('\n'),
			agentOf,
			next: this.next,
			flags: this.flags,
			free: Int32Array.from(this.free),
			used: this.used,
			count: this.count,
			records: this.evidence.records,
		};
	}

	/**
	 * A parsed line, whatever becomes of it (a page only with its date: `seconds`, its log time): its visitor's
	 * evidence, and the line's columns.
	 */
	observe(ip: string, userAgent: string, kind: LineKind, referrer: string, seconds: number): void {
		if (this.taken !== undefined) this.unpack(this.taken);
		let bits = OBSERVED;
		let slot = this.find(ip, userAgent);
		if (slot === -1) {
			slot = this.add(ip, userAgent);
			bits |= NEW_VISITOR;
		}

		const {evidence} = this;
		evidence.observe(slot, kind, referrer, seconds);
		const verdict = evidence.verdict(slot);
		const flags = this.flags[slot]!;
		this.listed = (flags & LISTED_FLAG) !== 0;
		const columns = this.columns;
		if (columns === undefined) return;
		const {line} = this;
		columns.botSlots[line] = slot;
		columns.botBits[line] = bits | verdict | (evidence.suspicious(slot) ? SUSPICIOUS : 0) | (this.listed ? LISTED : 0);
		if (verdict !== 0 && (flags & FOUND_FLAG) === 0) {
			this.flags[slot] = flags | FOUND_FLAG;
			// A copy of the address: a hold in this thread keeps it for the samples, and the line must not stay with it.
			columns.botFound.push({index: line, ip: copy(ip), userAgent: this.userAgents[slot]!});
		}
	}

	private find(ip: string, userAgent: string): number {
		const first = this.addresses.get(ip);
		this.head = first;
		if (first === -1) return -1;
		const {userAgents, next} = this;
		for (let slot = first; slot !== -1; slot = next[slot]!) {
			if (userAgents[slot] === userAgent) return slot;
		}

		return -1;
	}

	private add(ip: string, userAgent: string): number {
		const {options} = this;
		const agent = this.agent(userAgent);
		// (Not `??=`: undefined is an answer, "no list names it".)
		if (agent.level === null) agent.level = options.agentLevel(agent.text);
		const {level} = agent;
		const flags = level === undefined ? 0 : LISTED_FLAG;
		if (level !== undefined && options.countLevels && this.columns !== undefined) {
			const {botLevels} = this.columns;
			if (level === 'reference') botLevels.reference++;
			botLevels.modern++;
		}

		// Forget the addresses seen first (with their user agents) to make room; not this one's.
		const {head} = this;
		while (this.count >= options.maxVisitors && this.forgetOldest(head));
		const slot = this.free.length > 0 ? this.free.pop()! : this.used++;
		if (slot >= this.next.length) this.grow(slot);
		this.userAgents[slot] = agent.text;
		this.flags[slot] = flags;
		this.evidence.reset(slot);
		if (head === -1) {
			this.next[slot] = -1;
			// A copy: the address from a line would keep the whole line alive.
			this.addresses.add(ip, slot, copy);
		} else {
			this.next[slot] = this.next[head]!;
			this.next[head] = slot;
		}

		this.count++;
		return slot;
	}

	private agent(userAgent: string): KnownAgent {
		let agent = this.agents.get(userAgent);
		if (agent === undefined) {
			if (this.agents.size >= MAX_AGENTS) this.agents.clear();
			const text = copy(userAgent);
			agent = {text, level: null};
			this.agents.set(text, agent);
		}

		return agent;
	}

	/**
	 * Forget the address seen first and its user agents; false when none. Not `keep` (the first slot of the address
	 * getting a new user agent): it counts as seen last.
	 */
	private forgetOldest(keep: number): boolean {
		const {addresses} = this;
		let oldest = addresses.oldest();
		if (oldest === keep && addresses.size > 1) {
			addresses.requeueOldest();
			oldest = addresses.oldest();
		}

		if (oldest === -1 || oldest === keep) return false;
		for (let slot = oldest; slot !== -1; slot = this.next[slot]!) {
			this.free.push(slot);
			this.count--;
		}

		addresses.removeOldest();
		return true;
	}

	private grow(slot: number): void {
		const size = Math.max(this.next.length * 2, slot + 1);
		this.next = grown(this.next, new Int32Array(size));
		this.flags = grown(this.flags, new Uint8Array(size));
	}
}

/** A user agent as the table keeps it: one copy, and which list names it a bot (the lists are slow to ask). */
interface KnownAgent {
	text: string;
	/** Asked for a new visitor's (null: not yet). */
	level: AgentLevel | null;
}

/** How many user agents the table remembers what the lists say of (all forgotten at once past it: it only saves time). */
const MAX_AGENTS = 50_000;

/** A flat copy of a string cut from a line (V8 keeps such a substring as a view of the whole line). */
function copy(text: string): string {
	return (' ' + text).slice(1);
}

/** Which list names a user agent a bot: the reference's (with --useragent-exclude) or isbot's. */
export function agentLevelOf(config: Pick<ImportConfig, 'excludedUserAgents'>): (userAgent: string) => AgentLevel {
	const excluded = config.excludedUserAgents;
	return userAgent => {
		if (hasBotSubstring(userAgent, excluded)) return 'reference';
		return isModernBotAgent(userAgent) ? 'modern' : undefined;
	};
}

/** The table of a run (or a worker's share of it) with --bot-detection=behavior; undefined at the other levels. */
export function evidenceTableOf(
	config: Pick<ImportConfig, 'botDetection' | 'excludedUserAgents' | 'enableBots' | 'dryRun'>,
	state?: VisitorEvidenceState,
): VisitorEvidenceTable | undefined {
	if (config.botDetection !== 'behavior') return undefined;
	return new VisitorEvidenceTable({maxVisitors: MAX_VISITORS, countLevels: config.dryRun, agentLevel: agentLevelOf(config)}, state);
}

/** How many visitors (IP and user agent) the table and the hold remember, the oldest forgotten. */
export const MAX_VISITORS = 100_000;
