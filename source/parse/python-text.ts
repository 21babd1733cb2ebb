/**
 * Python text semantics that the format modules need to return what the reference's `format.get()` returns:
 * `str.strip()`/`re.split(r'\s+')` on W3C headers, `urllib.parse.unquote` on user agents, and `str()` of JSON values.
 */

/** The characters of Python's `str.isspace()` (also `\s` of a str pattern). Not JS's `\s`: no U+FEFF, but U+001C–1F and U+0085. */
const SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const stripRe = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');
const spaceRunRe = new RegExp(`[${SPACE}]+`);

/** Python `text.strip()`. A UTF-8 BOM is not whitespace in Python, so it stays (unlike `String.prototype.trim`). */
export function pythonStrip(text: string): string {
	return text.replace(stripRe, '');
}

/** Python `re.split(r'\s+', text)`. */
export function pythonSplitSpaces(text: string): string[] {
	return text.split(spaceRunRe);
}

/** Python `text[n:]`, counted in code points. */
export function pythonSliceFrom(text: string, n: number): string {
	let units = 0;
	for (let points = 0; points < n && units < text.length; points++) {
		const code = text.charCodeAt(units);
		units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
	}

	return text.slice(units);
}

// `ignoreBOM`: Python's utf-8 codec keeps a decoded U+FEFF; TextDecoder's U+FFFD replacement matches Python's
// `errors='replace'` (one U+FFFD per maximal invalid subpart).
const utf8 = new TextDecoder('utf-8', {ignoreBOM: true});

function hexValue(code: number): number {
	if (code >= 48 && code <= 57) return code - 48;
	if (code >= 65 && code <= 70) return code - 55;
	if (code >= 97 && code <= 102) return code - 87;
	return -1;
}

/** The byte of a `%XX` escape at `index`, or -1. */
function escapeAt(text: string, index: number): number {
	if (text.charCodeAt(index) !== 37 || index + 2 >= text.length) return -1;
	const high = hexValue(text.charCodeAt(index + 1));
	if (high < 0) return -1;
	const low = hexValue(text.charCodeAt(index + 2));
	return low < 0 ? -1 : high * 16 + low;
}

/**
 * Python `urllib.parse.unquote(text)`: `%XX` sequences are UTF-8 bytes, invalid sequences become U+FFFD, a `%` not
 * followed by two hex digits stays, and `+` stays `+` (that is `unquote_plus`). Other characters (and lone
 * surrogates from undecodable input bytes) pass through untouched.
 *
 * Python decodes each run of ASCII text as bytes; since a literal ASCII byte ends any unfinished UTF-8 sequence the
 * same way, decoding each run of consecutive escapes on its own gives the same text, with no per-line allocation
 * when the escapes are ASCII (`%20`, `%2F`).
 */
export function pythonUnquote(text: string): string {
	let index = text.indexOf('%');
	if (index === -1) return text;
	let out = '';
	let copied = 0;
	while (index !== -1) {
		let byte = escapeAt(text, index);
		if (byte < 0) {
			index = text.indexOf('%', index + 1);
			continue;
		}

		out += text.slice(copied, index);
		let bytes: number[] | undefined;
		let ascii = '';
		while (byte >= 0) {
			if (bytes === undefined && byte < 0x80) {
				ascii += String.fromCharCode(byte);
			} else {
				bytes ??= Array.from(ascii, char => char.charCodeAt(0));
				bytes.push(byte);
			}

			index += 3;
			byte = escapeAt(text, index);
		}

		out += bytes === undefined ? ascii : utf8.decode(Uint8Array.from(bytes));
		copied = index;
		index = text.indexOf('%', index);
	}

	return out + text.slice(copied);
}

/** Python `repr(float)` / `str(float)`: shortest round-trip digits, `.0` on integral values, exponent outside 1e-4..1e16. */
export function pythonFloatRepr(value: number): string {
	if (Number.isNaN(value)) return 'nan';
	if (value === Number.POSITIVE_INFINITY) return 'inf';
	if (value === Number.NEGATIVE_INFINITY) return '-inf';
	if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
	// toExponential() without digits gives the shortest digits that round-trip, as Python's repr does.
	const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
	const sign = mantissa.startsWith('-') ? '-' : '';
	const digits = mantissa.replace('-', '').replace('.', '');
	const exponent = Number(exponentText);
	if (exponent < -4 || exponent >= 16) {
		const rest = digits.slice(1);
		const expSign = exponent < 0 ? '-' : '+';
		return `${sign}${digits[0]}${rest === '' ? '' : '.' + rest}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
	}

	if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
	const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
	const fraction = digits.slice(exponent + 1);
	return `${sign}${whole}.${fraction === '' ? '0' : fraction}`;
}

/**
 * Python `str(value)` of a decoded JSON value. JSON.parse does not keep `1` apart from `1.0`: integral numbers are
 * taken as Python ints (what log writers emit), others as floats. Objects and arrays come out as JSON text (Python
 * would print its repr; no request field of the reference uses one).
 */
export function pythonStr(value: unknown): string {
	switch (typeof value) {
		case 'string': {
			return value;
		}

		case 'number': {
			if (Number.isInteger(value)) return Math.abs(value) < Number.MAX_SAFE_INTEGER ? String(value) : BigInt(value).toString();
			return pythonFloatRepr(value);
		}

		case 'boolean': {
			return value ? 'True' : 'False';
		}

		default: {
			return value === null ? 'None' : JSON.stringify(value);
		}
	}
}
