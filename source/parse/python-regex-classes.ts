/**
 * Python's character classes and literals for python-regex.ts: `\s`, `\w`, `\d` of str patterns (Unicode) and
 * of ASCII mode as JavaScript class bodies, and code points spelled so that the `u` flag accepts them.
 */
type Range = [number, number];

/** Python's `\s` for str patterns (`str.isspace()`), which is not JS's `\s`. */
const UNICODE_SPACE: Range[] = [
	[0x09, 0x0d],
	[0x1c, 0x20],
	[0x85, 0x85],
	[0xa0, 0xa0],
	[0x1680, 0x1680],
	[0x2000, 0x200a],
	[0x2028, 0x2029],
	[0x202f, 0x202f],
	[0x205f, 0x205f],
	[0x3000, 0x3000],
];
const ASCII_SPACE: Range[] = [
	[0x09, 0x0d],
	[0x20, 0x20],
];
const ASCII_WORD: Range[] = [
	[0x30, 0x39],
	[0x41, 0x5a],
	[0x5f, 0x5f],
	[0x61, 0x7a],
];
const ASCII_DIGIT: Range[] = [[0x30, 0x39]];
/** Python's `\w` for str patterns is exactly letters, numbers (any `N*` category) and `_`. */
export const UNICODE_WORD_BODY = '\\p{L}\\p{N}_';

function complement(ranges: Range[]): Range[] {
	const result: Range[] = [];
	let next = 0;
	for (const [lo, hi] of ranges) {
		if (lo > next) result.push([next, lo - 1]);
		next = hi + 1;
	}
	if (next <= 0x10ffff) result.push([next, 0x10ffff]);
	return result;
}

/** A code point as a class atom, escaped when it is special inside `[…]` or not printable. */
export function classChar(cp: number): string {
	if (cp === 0x5c || cp === 0x5d || cp === 0x5b || cp === 0x5e || cp === 0x2d) return '\\' + String.fromCodePoint(cp);
	if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0x2028 || cp === 0x2029) return `\\u{${cp.toString(16)}}`;
	return String.fromCodePoint(cp);
}

const SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/');

/** A code point as a literal outside a class. */
export function literalChar(cp: number): string {
	const char = String.fromCodePoint(cp);
	if (SYNTAX_CHARS.has(char)) return '\\' + char;
	if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0x2028 || cp === 0x2029) return `\\u{${cp.toString(16)}}`;
	return char;
}

/** Generated class bodies spell every non-ASCII code point as an escape, so `--dump-log-regex` stays readable. */
function escapedClassChar(cp: number): string {
	if (cp > 0xff) return `\\u{${cp.toString(16)}}`;
	if (cp >= 0x7f) return '\\x' + cp.toString(16);
	return classChar(cp);
}

function rangesBody(ranges: Range[]): string {
	let body = '';
	for (const [lo, hi] of ranges) {
		const low = escapedClassChar(lo);
		body += lo === hi ? low : hi === lo + 1 ? low + escapedClassChar(hi) : low + '-' + escapedClassChar(hi);
	}
	return body;
}

export const BODY = {
	unicodeSpace: rangesBody(UNICODE_SPACE),
	unicodeNonSpace: rangesBody(complement(UNICODE_SPACE)),
	asciiSpace: rangesBody(ASCII_SPACE),
	asciiNonSpace: rangesBody(complement(ASCII_SPACE)),
	asciiWord: rangesBody(ASCII_WORD),
	asciiNonWord: rangesBody(complement(ASCII_WORD)),
	asciiDigit: rangesBody(ASCII_DIGIT),
	asciiNonDigit: rangesBody(complement(ASCII_DIGIT)),
};

/**
 * The class body (text to put inside `[…]`) for a Python class escape `\d \D \s \S \w \W`, or `null` for the one
 * that has no class-body form: Unicode `\W` (the complement of a union of properties needs the `v` flag).
 */
export function shorthandBody(letter: string, ascii: boolean): string | null {
	switch (letter) {
		case 'd':
			return ascii ? BODY.asciiDigit : '\\p{Nd}';
		case 'D':
			return ascii ? BODY.asciiNonDigit : '\\P{Nd}';
		case 's':
			return ascii ? BODY.asciiSpace : BODY.unicodeSpace;
		case 'S':
			return ascii ? BODY.asciiNonSpace : BODY.unicodeNonSpace;
		case 'w':
			return ascii ? BODY.asciiWord : UNICODE_WORD_BODY;
		case 'W':
			return ascii ? BODY.asciiNonWord : null;
		default:
			throw new Error(`internal: not a class shorthand: ${letter}`);
	}
}
