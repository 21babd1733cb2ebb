/**
 * Fault injection for the Matomo double: which request gets which fault, decided by a seeded PRNG so that a test
 * (or a benchmark) sees the same sequence of faults on every run.
 */
import type {FaultKind, FaultScope, FaultSpec} from './types.js';
import {seededRandom} from '../seeded-random.js';

const kinds: readonly FaultKind[] = ['500', '503', 'reset', 'timeout', 'slow', 'partial', 'invalid-json', 'bulk-disabled'];
/** Faults that only make sense for a bulk post. */
const bulkOnly: readonly FaultKind[] = ['partial', 'bulk-disabled'];

export {seededRandom} from '../seeded-random.js';

function validate(spec: FaultSpec): FaultSpec {
	if (!kinds.includes(spec.kind)) throw new Error(`unknown fault kind '${String(spec.kind)}' (known: ${kinds.join(', ')})`);
	const scope = spec.scope ?? 'bulk';
	if (scope !== 'bulk' && bulkOnly.includes(spec.kind)) {
		throw new Error(`fault '${spec.kind}' only applies to bulk posts, not scope '${scope}'`);
	}
	if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) {
		throw new Error(`fault probability must be within 0..1, got ${spec.probability}`);
	}
	if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times >= 0)) {
		throw new Error(`fault times must be a whole number, got ${spec.times}`);
	}
	if (spec.kind === 'slow' && !(Number(spec.ms) >= 0)) throw new Error("fault 'slow' needs ms");
	return {...spec, scope};
}

interface ActiveFault {
	spec: FaultSpec;
	remaining: number; // Infinity when `times` was not given
}

export class FaultPicker {
	private active: ActiveFault[] = [];
	private random: () => number;
	/** How many requests got a fault since the start (or the last reset). */
	applied = 0;

	constructor(private readonly seed: number) {
		this.random = seededRandom(seed);
	}

	set(specs: FaultSpec[]): void {
		// Validate everything first so a bad spec does not leave half of a list active.
		const checked = specs.map(validate);
		this.active = checked.map(spec => ({spec, remaining: spec.times ?? Number.POSITIVE_INFINITY}));
	}

	clear(): void {
		this.active = [];
	}

	/** Back to the first fault sequence: a reset double behaves like a fresh one. */
	reset(): void {
		this.active = [];
		this.applied = 0;
		this.random = seededRandom(this.seed);
	}

	/**
	 * The fault for the next request of this scope, if any. Faults are tried in list order; the first one that is
	 * not spent and wins its draw applies. A draw is made only for probabilities below 1, so `times`-only faults do
	 * not shift the random sequence of the others.
	 */
	pick(scope: FaultScope): FaultSpec | null {
		for (const fault of this.active) {
			if (fault.spec.scope !== scope || fault.remaining <= 0) continue;
			const p = fault.spec.probability ?? 1;
			if (p < 1 && this.random() >= p) continue;
			fault.remaining--;
			this.applied++;
			return fault.spec;
		}
		return null;
	}
}

/**
 * The command-line form of a fault list, compatible with the conformance record server:
 * `KIND[:PROBABILITY[:MS]][@SCOPE][xTIMES]`, joined with commas. Examples: `500:0.2`, `slow:0.1:3000`,
 * `timeout:1@api`, `500:1x3` (the next three bulk posts answer 500).
 */
export function parseFaultSpec(text: string): FaultSpec[] {
	return text
		.split(',')
		.map(part => part.trim())
		.filter(Boolean)
		.map(part => {
			const match = /^([a-z0-9-]+)(?::([\d.]+))?(?::(\d+))?(?:@(bulk|single|api))?(?:x(\d+))?$/.exec(part);
			if (!match) throw new Error(`cannot read fault '${part}' (expected KIND[:PROBABILITY[:MS]][@SCOPE][xTIMES])`);
			const [, kind, probability, ms, scope, times] = match;
			const spec: FaultSpec = {kind: kind as FaultKind};
			if (probability !== undefined) spec.probability = Number(probability);
			if (ms !== undefined) spec.ms = Number(ms);
			if (scope !== undefined) spec.scope = scope as FaultScope;
			if (times !== undefined) spec.times = Number(times);
			return validate(spec);
		});
}
