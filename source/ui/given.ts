/**
 * The wizard edits the same `given` map the command line fills (flag → value): one source of truth for the flags,
 * the wizard's answers, the config (`buildConfig`) and the equivalent command.
 */
import type {GivenValue} from '../options/equivalent-command.js';

export type {GivenValue};
export type GivenMap = ReadonlyMap<string, GivenValue>;
/** A step's answers: a value sets the flag, undefined removes it (back to its default). */
export type GivenChanges = Readonly<Record<string, GivenValue | undefined>>;

export function applyChanges(given: GivenMap, changes: GivenChanges): Map<string, GivenValue> {
	const next = new Map(given);
	for (const [flag, value] of Object.entries(changes)) {
		if (value === undefined) next.delete(flag);
		else next.set(flag, value);
	}

	return next;
}

export function givenText(given: GivenMap, flag: string): string | undefined {
	const value = given.get(flag);
	if (value === undefined) return undefined;
	return Array.isArray(value) ? value.at(-1) : String(value);
}

export function givenList(given: GivenMap, flag: string): string[] {
	const value = given.get(flag);
	if (value === undefined) return [];
	return Array.isArray(value) ? value : [String(value)];
}

export function givenFlag(given: GivenMap, flag: string): boolean {
	const value = given.get(flag);
	return value === true || value === 'true';
}
