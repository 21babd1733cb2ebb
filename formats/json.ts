/**
 * Shared plumbing of the JSON formats (traefik_json, nginx_json, caddy_json): one JSON object per line, detected by
 * the presence of a few keys, read through a per-format function that returns what the reference's `get()` returns.
 */
import type {Fields, FormatDefinition, LineParser} from '../source/parse/format.js';
import {pythonStr} from '../source/parse/python-text.js';

export type JsonObject = Record<string, unknown>;

export interface JsonFormatSpec {
	name: string;
	description: string;
	sampleLines: readonly string[];
	/** Python strptime directives of the `date` value the format returns. */
	dateFormat: string;
	/** Detection: the line is a JSON object holding all these keys (the reference's `check_format_line`). */
	detectKeys: readonly string[];
	/** Rewrites the raw line before it is decoded for parsing (not for detection, as in the reference). */
	prepare?: (line: string) => string;
	/** The fields of one decoded line; `null` when the reference could not read the line. */
	toFields: (json: JsonObject) => Fields | null;
}

/** `JSON.parse` limited to objects: the reference's `get()` fails on any other JSON value. */
export function parseJsonObject(text: string): JsonObject | null {
	// Cheap reject before the parser (lines of other formats): the first character after JSON whitespace must be `{`.
	let i = 0;
	let code = text.charCodeAt(0);
	while (code === 32 || code === 9 || code === 10 || code === 13) code = text.charCodeAt(++i);
	if (code !== 123) return null;
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return null;
	}

	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

/**
 * A JSON value as a field: text as is, numbers and booleans as Python prints them, `null` as `undefined` (Python
 * `None`). Objects and arrays are left out: no request parameter can use them, and stringifying them per line costs.
 */
export function jsonText(value: unknown): string | undefined {
	if (value === null || typeof value === 'object') return undefined;
	return pythonStr(value);
}

/** Every scalar key of the object as a field (for `--regex-group-to-*-cvar`, which reads `get_all()`). */
export function rawFields(json: JsonObject, skip?: ReadonlySet<string>): Fields {
	// Null prototype: a `__proto__` key is then an ordinary field.
	const fields: Fields = Object.create(null) as Fields;
	for (const key of Object.keys(json)) {
		if (skip?.has(key)) continue;
		const value = json[key];
		if (value !== null && typeof value === 'object') continue;
		fields[key] = jsonText(value);
	}

	return fields;
}

/** Python `text[:n]` and `text[n:]` by code points (dates are ASCII; other text still must not split a pair). */
export function splitCodePoints(text: string, n: number): [string, string] {
	let units = 0;
	for (let points = 0; points < n && units < text.length; points++) {
		const code = text.charCodeAt(units);
		units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
	}

	return [text.slice(0, units), text.slice(units)];
}

export function defineJsonFormat(spec: JsonFormatSpec): FormatDefinition {
	const {prepare, toFields, detectKeys} = spec;
	const parser: LineParser = {
		name: spec.name,
		kind: 'json',
		dateFormat: spec.dateFormat,
		regexSource: null,
		groupNames: null,
		score: null,
		hasHost: true,
		headerLines: [],
		parse(line: string): Fields | null {
			const json = parseJsonObject(prepare === undefined ? line : prepare(line));
			return json === null ? null : toFields(json);
		},
		detect(line: string): boolean {
			const json = parseJsonObject(line);
			return json !== null && detectKeys.every(key => Object.hasOwn(json, key));
		},
	};
	return {
		name: spec.name,
		kind: 'json',
		autoDetect: true,
		description: spec.description,
		sampleLines: spec.sampleLines,
		// JSON parsers keep no state between lines or inputs, so one object serves every input.
		create: () => parser,
	};
}
