/**
 * Python codec names (`--encoding`) → decoders for one line's bytes.
 *
 * The reference opens files with `errors='surrogateescape'`: undecodable bytes become lone surrogates U+DC80+byte,
 * so the original bytes can be recovered later. UTF-8, Latin-1 and ASCII do exactly that here. The other encodings go
 * through `TextDecoder` (Node's ICU), which replaces undecodable bytes with U+FFFD instead: there is no error hook.
 *
 * Only encodings in which `\n` and `\r` are the single bytes 0x0A/0x0D, and never part of a multi-byte character,
 * are accepted: the line reader splits bytes before decoding. UTF-16/UTF-32 (and other encodings where a newline is
 * several bytes) are refused with a clear error.
 */
import {isAscii, isUtf8} from 'node:buffer';

/** Decodes `buf[start, end)` to a string. */
export type DecodeRange = (buf: Buffer, start: number, end: number) => string;

export interface LineDecoder {
	/** The canonical Python codec name, for messages. */
	readonly name: string;
	/** Decodes any bytes, including cut or invalid sequences (the slow, always correct path). */
	readonly decode: DecodeRange;
	/**
	 * Picks the fastest decoder that is correct for every line inside `buf[start, end)`: checked once per chunk,
	 * not per line, because the checks (`isAscii`, `isUtf8`) are SIMD scans that cost far less than a call per line.
	 */
	readonly forRegion: (buf: Buffer, start: number, end: number) => DecodeRange;
	/** Remove a U+FEFF at the start of the stream (`utf-8-sig`). */
	readonly stripBom: boolean;
}

// Buffer's documented decoding of a range. (Its undocumented `utf8Slice`/`latin1Slice` skip toString's argument
// checks, but are not an interface Node keeps; per line, the ASCII case goes through latin1, where both are as fast:
// bench/profile.md.)
const utf8Slice: DecodeRange = (buf, start, end) => buf.toString('utf8', start, end);
const latin1Slice: DecodeRange = (buf, start, end) => buf.toString('latin1', start, end);

/**
 * Python's `bytes.decode('utf-8', 'surrogateescape')`: strict UTF-8 (no overlongs, no encoded surrogates, nothing
 * above U+10FFFF); every byte of an invalid sequence becomes U+DC80+byte. Valid runs are decoded by Node in one call.
 */
export function decodeUtf8Surrogateescape(buf: Buffer, start: number, end: number): string {
	if (isUtf8(buf.subarray(start, end))) return utf8Slice(buf, start, end);
	let out = '';
	let runStart = start;
	let i = start;
	while (i < end) {
		const b = buf[i];
		if (b < 0x80) {
			i++;
			continue;
		}
		const n = validSequenceLength(buf, i, end);
		if (n > 0) {
			i += n;
			continue;
		}
		// Python escapes each byte of the maximal invalid prefix separately, and a byte after the first of such a
		// prefix is always a continuation byte (never a valid start), so escaping one byte at a time is the same.
		if (runStart < i) out += utf8Slice(buf, runStart, i);
		out += String.fromCharCode(0xdc00 + b);
		i++;
		runStart = i;
	}
	if (runStart < end) out += utf8Slice(buf, runStart, end);
	return out;
}

/** Length of the well-formed UTF-8 sequence starting at `i` (a byte ≥ 0x80), or 0 (Unicode Table 3-7). */
function validSequenceLength(buf: Buffer, i: number, end: number): number {
	const b = buf[i];
	let n: number;
	let lo = 0x80;
	let hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf) n = 2;
	else if (b >= 0xe0 && b <= 0xef) {
		n = 3;
		if (b === 0xe0) lo = 0xa0;
		else if (b === 0xed) hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4;
		if (b === 0xf0) lo = 0x90;
		else if (b === 0xf4) hi = 0x8f;
	} else return 0;
	if (i + n > end) return 0;
	const b1 = buf[i + 1];
	if (b1 < lo || b1 > hi) return 0;
	for (let k = 2; k < n; k++) {
		const c = buf[i + k];
		if (c < 0x80 || c > 0xbf) return 0;
	}
	return n;
}

/** Python's `decode('ascii', 'surrogateescape')`. */
function decodeAsciiSurrogateescape(buf: Buffer, start: number, end: number): string {
	if (isAscii(buf.subarray(start, end))) return latin1Slice(buf, start, end);
	let out = '';
	for (let i = start; i < end; i++) {
		const b = buf[i];
		out += String.fromCharCode(b < 0x80 ? b : 0xdc00 + b);
	}
	return out;
}

const utf8Decoder = (stripBom: boolean, name: string): LineDecoder => ({
	name,
	stripBom,
	decode: decodeUtf8Surrogateescape,
	forRegion(buf, start, end) {
		const region = buf.subarray(start, end);
		// Pure ASCII is the common case for access logs, and Latin-1 slicing of ASCII is the fastest string
		// constructor Node has (one-byte strings, no validation).
		if (isAscii(region)) return latin1Slice;
		if (isUtf8(region)) return utf8Slice;
		return decodeUtf8Surrogateescape;
	},
});

const latin1Decoder: LineDecoder = {
	name: 'latin-1',
	stripBom: false,
	decode: latin1Slice,
	forRegion: () => latin1Slice,
};

const asciiDecoder: LineDecoder = {
	name: 'ascii',
	stripBom: false,
	decode: decodeAsciiSurrogateescape,
	forRegion: (buf, start, end) => (isAscii(buf.subarray(start, end)) ? latin1Slice : decodeAsciiSurrogateescape),
};

/**
 * Windows-1252 by table, not `TextDecoder`: Node 20.18.3+ decodes `windows-1252` as Latin-1 (0x80 gives U+0080, not
 * €: nodejs/node#60888). 0x80..0x9F as Python's cp1252, whose five undefined bytes become surrogates.
 */
const cp1252High = [
	0x20ac, 0xdc81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xdc8d, 0x017d, 0xdc8f, 0xdc90, 0x2018, 0x2019,
	0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xdc9d, 0x017e, 0x0178,
].map(code => String.fromCharCode(code));
const c1Controls = /[\x80-\x9f]/g;

const cp1252Decoder: LineDecoder = {
	name: 'windows-1252',
	stripBom: false,
	decode(buf, start, end) {
		const text = latin1Slice(buf, start, end);
		return text.replace(c1Controls, c => cp1252High[c.charCodeAt(0) - 0x80]);
	},
	forRegion: (buf, start, end) => (isAscii(buf.subarray(start, end)) ? latin1Slice : cp1252Decoder.decode),
};

function textDecoderDecoder(name: string, label: string): LineDecoder {
	const td = new TextDecoder(label, {fatal: false, ignoreBOM: true});
	const decode: DecodeRange = (buf, start, end) => td.decode(buf.subarray(start, end));
	// ISO-2022-JP switches character sets with escape sequences made of ASCII bytes, so ASCII bytes are not ASCII
	// characters there; every other accepted encoding is ASCII-compatible.
	const asciiCompatible = label !== 'iso-2022-jp';
	return {
		name,
		stripBom: false,
		decode,
		forRegion: asciiCompatible ? (buf, start, end) => (isAscii(buf.subarray(start, end)) ? latin1Slice : decode) : () => decode,
	};
}

/**
 * Python codec name (after normalisation: lower case, runs of `-`, space and `.` are `_`) → WHATWG label for
 * `TextDecoder`, or one of the built-in decoders. Covers the Python aliases users actually type.
 */
const builtin: Record<string, string> = {
	// UTF-8 (Python: utf_8, u8, utf, utf8, cp65001, …)
	utf_8: 'utf-8',
	utf8: 'utf-8',
	u8: 'utf-8',
	utf: 'utf-8',
	cp65001: 'utf-8',
	utf8_ucs2: 'utf-8',
	utf8_ucs4: 'utf-8',
	utf_8_sig: 'utf-8-sig',
	// ISO-8859-1: true Latin-1 (every byte is U+0000..U+00FF), which WHATWG's `latin1` label is not (it is cp1252).
	latin_1: 'latin-1',
	latin1: 'latin-1',
	latin: 'latin-1',
	l1: 'latin-1',
	iso8859_1: 'latin-1',
	iso_8859_1: 'latin-1',
	iso_8859_1_1987: 'latin-1',
	iso_ir_100: 'latin-1',
	cp819: 'latin-1',
	ibm819: 'latin-1',
	csisolatin1: 'latin-1',
	'8859': 'latin-1',
	// ASCII
	ascii: 'ascii',
	us_ascii: 'ascii',
	us: 'ascii',
	'646': 'ascii',
	cp367: 'ascii',
	ibm367: 'ascii',
	csascii: 'ascii',
	iso646_us: 'ascii',
	ansi_x3_4_1968: 'ascii',
	ansi_x3_4_1986: 'ascii',
	iso_ir_6: 'ascii',
};

const viaTextDecoder: Record<string, string> = {
	// Chinese
	big5: 'big5',
	big5_tw: 'big5',
	csbig5: 'big5',
	big5hkscs: 'big5', // WHATWG big5 is Big5-HKSCS
	big5_hkscs: 'big5',
	hkscs: 'big5',
	cp950: 'big5',
	ms950: 'big5',
	gbk: 'gbk',
	cp936: 'gbk',
	ms936: 'gbk',
	'936': 'gbk',
	gb2312: 'gbk',
	euc_cn: 'gbk',
	euccn: 'gbk',
	eucgb2312_cn: 'gbk',
	gb2312_1980: 'gbk',
	gb2312_80: 'gbk',
	chinese: 'gbk',
	gb18030: 'gb18030',
	gb18030_2000: 'gb18030',
	// Japanese (WHATWG shift_jis is Windows-31J, i.e. Python's cp932)
	shift_jis: 'shift_jis',
	shiftjis: 'shift_jis',
	sjis: 'shift_jis',
	s_jis: 'shift_jis',
	csshiftjis: 'shift_jis',
	cp932: 'shift_jis',
	ms932: 'shift_jis',
	'932': 'shift_jis',
	mskanji: 'shift_jis',
	ms_kanji: 'shift_jis',
	euc_jp: 'euc-jp',
	eucjp: 'euc-jp',
	ujis: 'euc-jp',
	u_jis: 'euc-jp',
	iso2022_jp: 'iso-2022-jp',
	iso_2022_jp: 'iso-2022-jp',
	iso2022jp: 'iso-2022-jp',
	csiso2022jp: 'iso-2022-jp',
	// Korean (WHATWG euc-kr is Windows-949)
	euc_kr: 'euc-kr',
	euckr: 'euc-kr',
	korean: 'euc-kr',
	ksc5601: 'euc-kr',
	ks_c_5601: 'euc-kr',
	ks_c_5601_1987: 'euc-kr',
	ksx1001: 'euc-kr',
	ks_x_1001: 'euc-kr',
	cp949: 'euc-kr',
	ms949: 'euc-kr',
	uhc: 'euc-kr',
	'949': 'euc-kr',
	// Cyrillic and others
	koi8_r: 'koi8-r',
	koi8_u: 'koi8-u',
	cp866: 'ibm866',
	ibm866: 'ibm866',
	'866': 'ibm866',
	mac_roman: 'macintosh',
	macroman: 'macintosh',
	macintosh: 'macintosh',
	mac_cyrillic: 'x-mac-cyrillic',
	maccyrillic: 'x-mac-cyrillic',
	cp874: 'windows-874',
	windows_874: 'windows-874',
	tis_620: 'windows-874',
	tis620: 'windows-874',
};
for (let n = 1250; n <= 1258; n++) {
	viaTextDecoder[`cp${n}`] = `windows-${n}`;
	viaTextDecoder[`windows_${n}`] = `windows-${n}`;
}
// ISO-8859-N as WHATWG has them. Not 1 (built in above), not 9 and 11 (WHATWG maps them to windows-1254/874, which
// differ from Python's in 0x80..0x9F: close enough to accept), not 12 (does not exist), not 16 (no decoder).
const latinNumbers: Record<number, number> = {2: 2, 3: 3, 4: 4, 9: 5, 10: 6, 13: 7, 14: 8, 15: 9};
for (const n of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15]) {
	const label = `iso-8859-${n}`;
	for (const spelling of [`iso8859_${n}`, `iso_8859_${n}`, `8859_${n}`]) viaTextDecoder[spelling] = label;
	const latin = latinNumbers[n];
	if (latin !== undefined) {
		viaTextDecoder[`latin${latin}`] = label;
		viaTextDecoder[`l${latin}`] = label;
	}
}
Object.assign(viaTextDecoder, {
	cyrillic: 'iso-8859-5',
	arabic: 'iso-8859-6',
	greek: 'iso-8859-7',
	greek8: 'iso-8859-7',
	hebrew: 'iso-8859-8',
	thai: 'windows-874',
	iso8859_11: 'windows-874',
	iso_8859_11: 'windows-874',
});

/** Encodings whose newline is not the single byte 0x0A: the byte-level line splitting cannot work for them. */
const multiByteNewline = /^(utf_?(16|32)(_?(le|be))?|u(16|32)|utf_7|u7|unicode_internal|cp1200|cp1201)$/;

function normaliseKey(name: string): string {
	return name
		.trim()
		.toLowerCase()
		.replace(/[-\s.]+/g, '_');
}

const canonicalNames: Record<string, string> = {
	'utf-8': 'utf-8',
	'utf-8-sig': 'utf-8-sig',
	'latin-1': 'latin-1',
	ascii: 'ascii',
};

/**
 * The canonical name of a Python codec name this reader supports (`utf-8`, `utf-8-sig`, `latin-1`, `ascii`, or a
 * WHATWG label such as `big5`, `windows-1252`, `shift_jis`), or `null` when it is unknown or unsupported.
 */
export function normaliseEncoding(name: string): string | null {
	const key = normaliseKey(name);
	const own = builtin[key];
	if (own !== undefined) return canonicalNames[own];
	const label = viaTextDecoder[key];
	if (label === undefined) return null;
	try {
		return new TextDecoder(label).encoding;
	} catch {
		return null; // this Node was built without full ICU
	}
}

const examples =
	'utf8 (default), utf-8-sig, latin1, ascii, cp1252 (windows-1252), cp1250…cp1258, iso8859-2…iso8859-15, ' +
	'big5, big5hkscs, gbk, gb2312, gb18030, shift_jis (sjis, cp932), euc_jp, iso2022_jp, euc_kr (cp949), ' +
	'koi8_r, koi8_u, cp866, mac_roman';

/** Builds the decoder for a Python codec name; throws an Error that says how to spell the supported ones. */
export function createLineDecoder(encoding: string): LineDecoder {
	const canonical = normaliseEncoding(encoding);
	if (canonical === null) {
		const why = multiByteNewline.test(normaliseKey(encoding))
			? `'${encoding}' is not supported: its line breaks are not single bytes, so convert the file to UTF-8 first ` + `(for example with iconv)`
			: `unknown encoding '${encoding}'`;
		throw new Error(`${why}. Supported encodings (Python codec names): ${examples}.`);
	}
	switch (canonical) {
		case 'utf-8':
			return utf8Decoder(false, 'utf-8');
		case 'utf-8-sig':
			return utf8Decoder(true, 'utf-8-sig');
		case 'latin-1':
			return latin1Decoder;
		case 'ascii':
			return asciiDecoder;
		case 'windows-1252':
			return cp1252Decoder;
		default:
			return textDecoderDecoder(canonical, canonical);
	}
}
