/**
 * Translate a Python `re` pattern (str pattern, Python 3.11 syntax) into an equivalent JavaScript RegExp.
 *
 * The reference importer's formats and the user's `--log-format-regex` are written in Python syntax. Besides the
 * obvious `(?P<name>…)`, the semantics differ in ways that change which log lines match:
 * - Python `\w`, `\d`, `\s` (and `\b`) are Unicode-aware for str patterns; JS ones are ASCII (and JS `\s` has a
 *   different Unicode set: it includes U+FEFF, so a BOM would be "whitespace");
 * - Python `.` excludes only `\n`; JS `.` also excludes `\r`, U+2028 and U+2029;
 * - Python `$` (no MULTILINE) also matches before a final `\n`;
 * - Python accepts identity escapes (`\ `, `\"`, `\-`, `\:`) and lone `{`, `}`, `]` that the JS `u` flag rejects;
 * - Python `{,n}` means `{0,n}`.
 * So the pattern is re-emitted token by token instead of patched with string replacements. The result uses the `u`
 * flag only (plus `i`), never `m` or `s`: `^`, `$` and `.` are expanded to what Python means.
 *
 * Not supported (a clear Error is thrown): conditionals `(?(1)…)`, atomic groups `(?>…)`, possessive quantifiers,
 * `\N{…}`, a scoped `(?i:…)`/`(?-i:…)` that differs from the global case mode.
 * Known gaps, all about exotic patterns: a backreference to a group that did not take part in the match fails in
 * Python but matches the empty string in JS; a `*`/`+`/`{m,n}` repeat of a group that can match the empty string
 * may stop at a different iteration (Python keeps one empty iteration, JS rejects it); lookbehinds need not have a
 * fixed width (Python rejects such patterns, JS accepts them).
 */
import {BODY, classChar, literalChar, shorthandBody, UNICODE_WORD_BODY} from './python-regex-classes.js';
import {FLAG_LETTERS, globalMode, scopedMode, type Mode} from './python-regex-flags.js';

export interface TranslatedRegex {
	/** JavaScript RegExp source, not anchored. */
	source: string;
	/** JavaScript flags: `u`, plus `i` for `(?i)`. */
	flags: string;
	/** Named groups, in the order they appear. */
	groupNames: string[];
	/** Number of capturing groups, named and unnamed: Python's `len(match.groups())`. */
	groupCount: number;
}

/** Python's verbose-mode whitespace (`sre_parse.WHITESPACE`). */
const VERBOSE_SPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);
const HEX = /^[0-9a-fA-F]+$/;
/** `\a`, `\f`, `\n`, `\r`, `\t`, `\v`: the control characters they stand for. */
const CONTROL_ESCAPES: Record<string, number> = {a: 0x07, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b};

interface GroupFrame {
	mode: Mode;
	/** Capturing group number, or 0. */
	number: number;
	/** Output offset where the group starts (to wrap it when quantified). */
	start: number;
	lookaround: boolean;
}

class PatternError extends Error {}

export function translatePythonRegex(pattern: string): TranslatedRegex {
	try {
		return translate(pattern);
	} catch (error) {
		if (error instanceof PatternError) throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${error.message}`);
		throw error;
	}
}

function translate(pattern: string): TranslatedRegex {
	const chars = Array.from(pattern);
	let pos = 0;
	let out = '';
	const groupNames: string[] = [];
	const namedNumbers = new Map<string, number>();
	const closedGroups = new Set<number>();
	let groupCount = 0;
	const stack: GroupFrame[] = [];
	let mode: Mode = {dotAll: false, multiline: false, verbose: false, ascii: false, ignoreCase: false};
	let globalIgnoreCase = false;
	let sawUnicodeFlag = false;
	// Whether anything was emitted at the top level yet: global flags are only allowed before that (Python 3.11).
	let topLevelStarted = false;
	// What the last item was, for Python's "nothing to repeat" / "multiple repeat" errors and for wrapping.
	let last: 'none' | 'anchor' | 'repeat' | 'atom' | 'lookaround' = 'none';
	let lastStart = 0;

	const fail = (message: string, at: number = pos): never => {
		throw new PatternError(`${message} at position ${at}`);
	};
	const peek = (offset = 0): string | undefined => chars[pos + offset];

	const emitAtom = (text: string): void => {
		lastStart = out.length;
		out += text;
		last = 'atom';
	};
	const emitAnchor = (text: string): void => {
		out += text;
		last = 'anchor';
	};

	/** Read exactly `count` hex digits after an escape letter. */
	const readHex = (count: number, escapeStart: number, letter: string): number => {
		const digits = chars.slice(pos, pos + count).join('');
		if (digits.length !== count || !HEX.test(digits)) fail(`incomplete escape \\${letter}${digits}`, escapeStart);
		pos += count;
		return Number.parseInt(digits, 16);
	};

	/**
	 * An escape that stands for one code point (shared by classes and the outside). `pos` is just after the letter.
	 * Returns null when the letter is not such an escape.
	 */
	const codePointEscape = (letter: string, escapeStart: number): number | null => {
		const control = Object.hasOwn(CONTROL_ESCAPES, letter) ? CONTROL_ESCAPES[letter] : undefined;
		if (control !== undefined) return control;
		switch (letter) {
			case 'x':
				return readHex(2, escapeStart, 'x');
			case 'u':
				return readHex(4, escapeStart, 'u');
			case 'U': {
				const cp = readHex(8, escapeStart, 'U');
				if (cp > 0x10ffff) fail(`bad escape \\U${cp.toString(16).padStart(8, '0')}`, escapeStart);
				return cp;
			}
			case 'N':
				return fail('\\N{...} named characters are not supported', escapeStart);
			default:
				break;
		}
		if (letter >= '0' && letter <= '7') return null; // octal handled by callers (context-dependent)
		if (/^[A-Za-z0-9]$/.test(letter)) return null;
		// Python: any other character escapes itself.
		return letter.codePointAt(0)!;
	};

	const readOctal = (first: string, max: number): number => {
		let digits = first;
		while (digits.length < max && /^[0-7]$/.test(peek() ?? '')) digits += chars[pos++];
		return Number.parseInt(digits, 8);
	};

	/** Parse `[…]`; `pos` is just after `[`. */
	const parseClass = (classStart: number): string => {
		let negated = false;
		if (peek() === '^') {
			negated = true;
			pos++;
		}
		let body = '';
		let nonWord = false; // Unicode `\W` inside: needs the lookahead rewrite
		let first = true;
		type Item = {cp: number} | {set: string; text: string};
		const readItem = (): Item => {
			const char: string = chars[pos++];
			if (char !== '\\') return {cp: char.codePointAt(0)!};
			const escapeStart = pos - 1;
			const letter: string | undefined = chars[pos++];
			if (letter === undefined) fail('bad escape (end of pattern)', escapeStart);
			if ('dDsSwW'.includes(letter)) return {set: letter, text: '\\' + letter};
			if (letter === 'b') return {cp: 0x08};
			if (letter >= '0' && letter <= '7') {
				const cp = readOctal(letter, 3);
				if (cp > 0o377) fail(`octal escape value \\${cp.toString(8)} outside of range 0-0o377`, escapeStart);
				return {cp};
			}
			const cp = codePointEscape(letter, escapeStart);
			if (cp === null) fail(`bad escape \\${letter}`, escapeStart);
			return {cp: cp!};
		};
		for (;;) {
			const char = peek();
			if (char === undefined) fail('unterminated character set', classStart);
			if (char === ']' && !first) {
				pos++;
				break;
			}
			first = false;
			const itemStart = pos;
			const item = readItem();
			if (peek() === '-' && peek(1) !== undefined && peek(1) !== ']') {
				// A range.
				pos++;
				const end = readItem();
				const text = chars.slice(itemStart, pos).join('');
				if ('set' in item || 'set' in end) fail(`bad character range ${text}`, itemStart);
				const lo = (item as {cp: number}).cp;
				const hi = (end as {cp: number}).cp;
				if (lo > hi) fail(`bad character range ${text}`, itemStart);
				body += classChar(lo) + '-' + classChar(hi);
				continue;
			}
			if ('set' in item) {
				const setBody = shorthandBody(item.set, mode.ascii);
				if (setBody === null) nonWord = true;
				else body += setBody;
			} else {
				body += classChar(item.cp);
			}
		}
		if (!nonWord) return negated ? `[^${body}]` : `[${body}]`;
		// [X\W] = X ∪ ¬word;  [^X\W] = ¬X ∩ word.
		const word = `[${UNICODE_WORD_BODY}]`;
		if (negated) return body === '' ? word : `(?:(?![${body}])${word})`;
		return body === '' ? `[^${UNICODE_WORD_BODY}]` : `(?:[${body}]|[^${UNICODE_WORD_BODY}])`;
	};

	/** Word boundary per Python's (Unicode or ASCII) `\w`. */
	const boundary = (negated: boolean): string => {
		const word = mode.ascii ? `[${BODY.asciiWord}]` : `[${UNICODE_WORD_BODY}]`;
		// Python's `\B` never matches an empty string.
		return negated ? `(?!^$)(?:(?<=${word})(?=${word})|(?<!${word})(?!${word}))` : `(?:(?<=${word})(?!${word})|(?<!${word})(?=${word}))`;
	};

	/** Parse the escape after `\` outside a class; `pos` is just after the backslash. */
	const parseEscape = (): void => {
		const escapeStart = pos - 1;
		const letter: string | undefined = chars[pos++];
		if (letter === undefined) fail('bad escape (end of pattern)', escapeStart);
		switch (letter) {
			case 'A':
				return emitAnchor('^');
			case 'Z':
				return emitAnchor('$');
			case 'b':
				return emitAnchor(boundary(false));
			case 'B':
				return emitAnchor(boundary(true));
			case 'd':
			case 'D':
			case 's':
			case 'S':
			case 'w':
			case 'W': {
				// Outside a class a negated set is simply `[^…]` of the positive one (shorter for `--dump-log-regex`).
				const lower = letter.toLowerCase();
				if (lower === 'd' && !mode.ascii) return emitAtom(letter === 'd' ? '\\p{Nd}' : '\\P{Nd}');
				const body = shorthandBody(lower, mode.ascii)!;
				return emitAtom(letter === lower ? `[${body}]` : `[^${body}]`);
			}
			default:
				break;
		}
		if (letter === '0') return emitAtom(literalChar(readOctal('0', 3)));
		if (letter >= '1' && letter <= '9') {
			// Octal escape (three octal digits) or group reference, as sre_parse decides.
			let digits = letter;
			if (peek() !== undefined && /^[0-9]$/.test(peek()!)) {
				digits += chars[pos++];
				if (/^[0-7]{2}$/.test(digits) && /^[0-7]$/.test(peek() ?? '')) {
					digits += chars[pos++];
					const cp = Number.parseInt(digits, 8);
					if (cp > 0o377) fail(`octal escape value \\${digits} outside of range 0-0o377`, escapeStart);
					return emitAtom(literalChar(cp));
				}
			}
			const group = Number.parseInt(digits, 10);
			if (group > groupCount) fail(`invalid group reference ${group}`, escapeStart + 1);
			if (!closedGroups.has(group)) fail('cannot refer to an open group', escapeStart);
			// Wrapped so that a following literal digit cannot extend the number.
			return emitAtom(`(?:\\${group})`);
		}
		const cp = codePointEscape(letter, escapeStart);
		if (cp === null) fail(`bad escape \\${letter}`, escapeStart);
		emitAtom(literalChar(cp!));
	};

	/** Python's `{m,n}` quantifier, or null when the `{` is a literal. `pos` is at the `{`. */
	const readBraces = (): {min: number; max: number | null; end: number} | null => {
		let index = pos + 1;
		if (chars[index] === '}') return null;
		let lo = '';
		let hi = '';
		while (chars[index] !== undefined && /^[0-9]$/.test(chars[index])) lo += chars[index++];
		if (chars[index] === ',') {
			index++;
			while (chars[index] !== undefined && /^[0-9]$/.test(chars[index])) hi += chars[index++];
		} else {
			hi = lo;
		}
		if (chars[index] !== '}') return null;
		const min = lo === '' ? 0 : Number.parseInt(lo, 10);
		const max = hi === '' ? null : Number.parseInt(hi, 10);
		if (min >= 0xffffffff || (max !== null && max >= 0xffffffff)) fail('the repetition number is too large', pos);
		if (max !== null && max < min) fail('min repeat greater than max repeat', pos + 1);
		return {min, max, end: index + 1};
	};

	const applyQuantifier = (text: string, at: number): void => {
		if (last === 'none' || last === 'anchor') fail('nothing to repeat', at);
		if (last === 'repeat') fail('multiple repeat', at);
		// JS (u flag) cannot quantify a lookaround; Python can.
		if (last === 'lookaround') out = out.slice(0, lastStart) + '(?:' + out.slice(lastStart) + ')';
		let lazy = false;
		if (peek() === '?') {
			pos++;
			lazy = true;
		} else if (peek() === '+') {
			fail('possessive quantifiers are not supported', pos);
		}
		if (text === '?' && out[lastStart] === '(') {
			// A group (or backreference) that can match the empty string: JS rejects an empty iteration of `?`, so
			// `(x*)?` leaves the group unset where Python sets it to ''. An alternation has Python's semantics.
			const atom = out.slice(lastStart);
			out = out.slice(0, lastStart) + (lazy ? `(?:|${atom})` : `(?:${atom}|)`);
		} else {
			out += text + (lazy ? '?' : '');
		}
		last = 'repeat';
	};

	/** Parse the flag letters of `(?flags)` or `(?flags-flags:`. `pos` is at the first letter. */
	const parseFlags = (groupStart: number): void => {
		const on = new Set<string>();
		const off = new Set<string>();
		while (peek() !== undefined && FLAG_LETTERS.has(peek()!)) on.add(chars[pos++]);
		if (on.has('L')) fail("bad inline flag: cannot use 'L' flag with a str pattern", pos);
		if (on.has('a') && on.has('u')) fail("bad inline flag: flags 'a', 'u' and 'L' are incompatible", pos);
		if (peek() === ')') {
			// Global flags.
			pos++;
			if (stack.length > 0 || topLevelStarted) fail('global flags not at the start of the expression', groupStart);
			if (on.has('a') && sawUnicodeFlag) fail('ASCII and UNICODE flags are incompatible', groupStart);
			if (on.has('u') && mode.ascii) fail('ASCII and UNICODE flags are incompatible', groupStart);
			if (on.has('u')) sawUnicodeFlag = true;
			mode = globalMode(mode, on);
			if (on.has('i')) globalIgnoreCase = true;
			return;
		}
		if (peek() === '-') {
			pos++;
			while (peek() !== undefined && 'imsx'.includes(peek()!)) off.add(chars[pos++]);
			if (off.size === 0) fail('missing flag', pos);
		}
		if (peek() !== ':') fail(peek() === undefined ? 'missing -, : or )' : 'unknown flag', pos);
		pos++;
		for (const flag of off) if (on.has(flag)) fail('bad inline flags: flag turned on and off', pos - 1);
		const next = scopedMode(mode, on, off);
		if (next.ignoreCase !== globalIgnoreCase) fail('a scoped (?i:...) or (?-i:...) is not supported', groupStart);
		openGroup('(?:', 0, false, next);
	};

	const openGroup = (text: string, number: number, lookaround: boolean, groupMode: Mode = mode): void => {
		stack.push({mode, number, start: out.length, lookaround});
		out += text;
		mode = groupMode;
		last = 'none';
	};

	const readName = (terminator: string, what: string): string => {
		const start = pos;
		let name = '';
		while (peek() !== undefined && peek() !== terminator) name += chars[pos++];
		if (peek() === undefined) fail(`missing ${terminator}, unterminated name`, start);
		pos++;
		if (name === '') fail(`missing ${what}`, start);
		if (!/^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(name)) fail(`bad character in group name ${JSON.stringify(name)}`, start);
		return name;
	};

	const openNamedGroup = (): void => {
		const name = readName('>', 'group name');
		if (namedNumbers.has(name)) fail(`redefinition of group name ${JSON.stringify(name)}`, pos);
		groupCount++;
		namedNumbers.set(name, groupCount);
		groupNames.push(name);
		openGroup(`(?<${name}>`, groupCount, false);
	};

	/** Parse what follows `(`; `pos` is just after it. */
	const parseGroupStart = (groupStart: number): void => {
		if (peek() !== '?') {
			groupCount++;
			openGroup('(', groupCount, false);
			return;
		}
		pos++;
		const kind: string | undefined = chars[pos++];
		switch (kind) {
			case ':':
				return openGroup('(?:', 0, false);
			case '=':
				return openGroup('(?=', 0, true);
			case '!':
				return openGroup('(?!', 0, true);
			case '#': {
				for (;;) {
					const char = chars[pos++];
					if (char === undefined) fail('missing ), unterminated comment', groupStart);
					if (char === ')') return;
					if (char === '\\') pos++;
				}
			}
			case '<': {
				if (peek() === '=' || peek() === '!') return openGroup(`(?<${chars[pos++]}`, 0, true);
				// `(?<name>` is JavaScript syntax, which Python rejects; accepted for convenience.
				return openNamedGroup();
			}
			case 'P': {
				const next: string | undefined = chars[pos++];
				if (next === '<') return openNamedGroup();
				if (next === '=') {
					const name = readName(')', 'group name');
					const number = namedNumbers.get(name);
					if (number === undefined) fail(`unknown group name ${JSON.stringify(name)}`, groupStart);
					if (!closedGroups.has(number!)) fail('cannot refer to an open group', groupStart);
					emitAtom(`\\k<${name}>`);
					return;
				}
				return fail(next === undefined ? 'unexpected end of pattern' : `unknown extension ?P${next}`, groupStart + 1);
			}
			case '(':
				return fail('conditional groups (?(...)...) are not supported', groupStart);
			case '>':
				return fail('atomic groups (?>...) are not supported', groupStart);
			case undefined:
				return fail('unexpected end of pattern', pos);
			default:
				if (FLAG_LETTERS.has(kind) || kind === '-') {
					pos--;
					return parseFlags(groupStart);
				}
				return fail(`unknown extension ?${kind}`, groupStart + 1);
		}
	};

	while (pos < chars.length) {
		const start = pos;
		const char = chars[pos++];
		if (mode.verbose) {
			if (VERBOSE_SPACE.has(char)) continue;
			if (char === '#') {
				while (pos < chars.length && chars[pos] !== '\n') pos++;
				continue;
			}
		}
		if (stack.length === 0 && char !== '(') topLevelStarted = true;
		switch (char) {
			case '\\':
				parseEscape();
				break;
			case '[':
				emitAtom(parseClass(start));
				break;
			case '(':
				parseGroupStart(start);
				if (stack.length > 0 || out.length > 0) topLevelStarted = true;
				break;
			case ')': {
				const frame = stack.pop();
				if (frame === undefined) fail('unbalanced parenthesis', start);
				out += ')';
				mode = frame!.mode;
				if (frame!.number > 0) closedGroups.add(frame!.number);
				lastStart = frame!.start;
				last = frame!.lookaround ? 'lookaround' : 'atom';
				break;
			}
			case '|':
				out += '|';
				last = 'none';
				break;
			case '.':
				emitAtom(mode.dotAll ? '[^]' : '[^\\n]');
				break;
			case '^':
				emitAnchor(mode.multiline ? '(?<![^\\n])' : '^');
				break;
			case '$':
				emitAnchor(mode.multiline ? '(?![^\\n])' : '(?=\\n?$)');
				break;
			case '*':
			case '+':
			case '?':
				applyQuantifier(char, start);
				break;
			case '{': {
				pos--;
				const braces = readBraces();
				if (braces === null) {
					pos++;
					emitAtom('\\{');
				} else {
					pos = braces.end;
					applyQuantifier(braces.max === braces.min ? `{${braces.min}}` : `{${braces.min},${braces.max ?? ''}}`, start);
				}
				break;
			}
			default:
				emitAtom(literalChar(char.codePointAt(0)!));
		}
	}
	if (stack.length > 0) fail('missing ), unterminated subpattern', 0);

	const flags = globalIgnoreCase ? 'iu' : 'u';
	try {
		new RegExp(out, flags);
	} catch (error) {
		throw new PatternError(`cannot be compiled as JavaScript (${(error as Error).message})`);
	}
	return {source: out, flags, groupNames, groupCount};
}
