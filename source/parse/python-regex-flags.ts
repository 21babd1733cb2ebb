/** Python's inline flags (`(?i)`, `(?s:…)`, `(?-x:…)`) and the matching mode they make. */

export interface Mode {
	dotAll: boolean;
	multiline: boolean;
	verbose: boolean;
	ascii: boolean;
	ignoreCase: boolean;
}

export const FLAG_LETTERS = new Set(['a', 'i', 'L', 'm', 's', 'u', 'x']);

/** `(?flags)` at the start: the flags turned on for the whole pattern. */
export function globalMode(mode: Mode, on: ReadonlySet<string>): Mode {
	return {
		dotAll: mode.dotAll || on.has('s'),
		multiline: mode.multiline || on.has('m'),
		verbose: mode.verbose || on.has('x'),
		ascii: mode.ascii || on.has('a'),
		ignoreCase: mode.ignoreCase || on.has('i'),
	};
}

/** `(?on-off:…)`: the mode inside the group (`u` turns `a` off). */
export function scopedMode(mode: Mode, on: ReadonlySet<string>, off: ReadonlySet<string>): Mode {
	const flag = (letter: string, current: boolean) => (on.has(letter) ? true : off.has(letter) ? false : current);
	return {
		dotAll: flag('s', mode.dotAll),
		multiline: flag('m', mode.multiline),
		verbose: flag('x', mode.verbose),
		ascii: on.has('a') ? true : on.has('u') ? false : mode.ascii,
		ignoreCase: flag('i', mode.ignoreCase),
	};
}
