/**
 * Small pieces of Python semantics that import_logs.py's requests depend on. Matomo users' reports must not change
 * when they swap importers, so these follow CPython exactly where it shows in a tracking request.
 */

/** Python `int(text)` for str: surrounding whitespace, a sign, underscores between digits. null where Python raises. */
export function pythonInt(text: string | undefined): number | null {
	if (text === undefined) return null;
	// Fast path: plain digits (the common case for lengths and statuses).
	const n = text.length;
	if (n > 0 && n < 16) {
		let value = 0;
		let i = 0;
		for (; i < n; i++) {
			const c = text.charCodeAt(i) - 48;
			if (c < 0 || c > 9) break;
			value = value * 10 + c;
		}

		if (i === n) return value;
	}

	const match = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(text);
	if (!match) return null;
	const value = Number(match[2]!.replaceAll('_', ''));
	return match[1] === '-' ? -value : value;
}

/** Python `float(text)`: decimal, exponent, inf/nan words, whitespace, underscores between digits. */
export function pythonFloat(text: string | undefined): number | null {
	if (text === undefined) return null;
	const match = /^\s*([+-]?)(?:(\d+(?:_\d+)*)?(?:\.(\d+(?:_\d+)*)?)?(?:[eE]([+-]?\d+(?:_\d+)*))?|(inf(?:inity)?|nan))\s*$/i.exec(text);
	if (!match) return null;
	const [, sign, whole, fraction, exponent, word] = match;
	if (word !== undefined) {
		const value = word.toLowerCase() === 'nan' ? Number.NaN : Number.POSITIVE_INFINITY;
		return sign === '-' ? -value : value;
	}

	if (whole === undefined && fraction === undefined) return null;
	const literal = `${whole ?? '0'}.${fraction ?? '0'}e${exponent ?? '0'}`.replaceAll('_', '');
	const value = Number(literal);
	return sign === '-' ? -value : value;
}

/** Python `str(float)` for the values import_logs.py prints (`0.0`, `0.39`, `123.0`). */
export function pythonFloatText(value: number): string {
	if (Number.isInteger(value) && Math.abs(value) < 1e16) return `${value}.0`;
	return String(value);
}

const unreservedRe = /[!'()*]/g;

/** Percent-encode the UTF-8 bytes of a string, turning lone surrogates U+DC80–U+DCFF back into their original byte. */
function encodeWithSurrogateEscapes(text: string): string {
	let out = '';
	for (const char of text) {
		const code = char.codePointAt(0)!;
		if (code >= 0xd800 && code <= 0xdfff) {
			// A lone surrogate: Python's surrogateescape for an undecodable byte (U+DC80+byte); anything else is dropped.
			if (code >= 0xdc80 && code <= 0xdcff) out += '%' + (code - 0xdc00).toString(16).toUpperCase().padStart(2, '0');
			continue;
		}

		out += encodeURIComponent(char);
	}

	return out;
}

/** encodeURIComponent that survives lone surrogates (bytes of an undecodable line). */
export function encodeComponent(text: string): string {
	try {
		return encodeURIComponent(text);
	} catch {
		return encodeWithSurrogateEscapes(text);
	}
}

/** Python `urllib.parse.quote(text, safe='')`: only A-Z a-z 0-9 _ . - ~ stay as they are. */
export function pythonQuote(text: string): string {
	return encodeComponent(text).replace(unreservedRe, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const fnmatchCache = new Map<string, RegExp>();

/** Python `fnmatch.translate`: `*`, `?`, `[seq]`, `[!seq]`; the whole string must match; `*` also matches `/`. */
export function fnmatchRegExp(pattern: string): RegExp {
	let cached = fnmatchCache.get(pattern);
	if (cached) return cached;
	let source = '';
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern[i]!;
		if (c === '*') {
			source += '[\\s\\S]*';
		} else if (c === '?') {
			source += '[\\s\\S]';
		} else if (c === '[') {
			let j = i + 1;
			if (pattern[j] === '!') j++;
			if (pattern[j] === ']') j++;
			while (j < pattern.length && pattern[j] !== ']') j++;
			if (j >= pattern.length) {
				source += '\\[';
			} else {
				let body = pattern.slice(i + 1, j).replaceAll('\\', '\\\\');
				if (body.startsWith('!')) body = '^' + body.slice(1);
				else if (body.startsWith('^')) body = '\\' + body;
				source += `[${body}]`;
				i = j;
			}
		} else {
			source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
		}
	}

	cached = new RegExp(`^(?:${source})$`, 'u');
	fnmatchCache.set(pattern, cached);
	return cached;
}

export function fnmatch(name: string, pattern: string): boolean {
	return fnmatchRegExp(pattern).test(name);
}

/**
 * `urllib.parse.urlparse(text).hostname`: only for texts with a network location (`scheme://host…` or `//host…`).
 * Lower-cased, without port, user info or IPv6 brackets.
 */
export function urlHostname(text: string): string | undefined {
	const match = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?\/\/([^/?#]*)/.exec(text);
	if (!match) return undefined;
	let netloc = match[1]!;
	const at = netloc.lastIndexOf('@');
	if (at !== -1) netloc = netloc.slice(at + 1);
	let host: string;
	if (netloc.startsWith('[')) {
		const end = netloc.indexOf(']');
		host = end === -1 ? netloc.slice(1) : netloc.slice(1, end);
	} else {
		const colon = netloc.indexOf(':');
		host = colon === -1 ? netloc : netloc.slice(0, colon);
	}

	return host === '' ? undefined : host.toLowerCase();
}

/** `urllib.parse.urlparse(url).scheme`. */
export function urlScheme(url: string): string {
	const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
	return match ? match[1]!.toLowerCase() : '';
}

/** Python `json.dumps` of plain data with the default separators and ensure_ascii. */
export function pythonJsonDumps(value: unknown): string {
	if (value === null || value === undefined) return 'null';
	if (typeof value === 'string') {
		// JSON.stringify escapes lone surrogates and control characters like Python; ensure_ascii adds the rest.
		return JSON.stringify(value).replace(/[\u007f-\uffff]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
	}

	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (Array.isArray(value)) return '[' + value.map(item => pythonJsonDumps(item)).join(', ') + ']';
	const entries = Object.entries(value as Record<string, unknown>);
	return '{' + entries.map(([key, item]) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(item)}`).join(', ') + '}';
}

/** Python `text[:n]`: cut by code points, not UTF-16 units. */
export function sliceCodePoints(text: string, n: number): string {
	if (text.length <= n) return text;
	// Only texts with astral characters differ; count code points up to n.
	let units = 0;
	let points = 0;
	while (units < text.length && points < n) {
		const code = text.charCodeAt(units);
		units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
		points++;
	}

	return text.slice(0, units);
}
