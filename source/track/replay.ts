/**
 * --replay-tracking: re-send the JavaScript tracker's requests (`/matomo.php?…`) found in a web-server log
 * (inventory §7). The replayed parameters override the ones built from the log line.
 */
import type {Hit} from '../parse/hit.js';

export interface ReplayOptions {
	trackerFiles: readonly string[];
	addToDate: number;
}

const timestampParams = ['_idts', '_viewts', '_ects', '_refts'];

function decodeQueryComponent(text: string): string {
	const spaced = text.replaceAll('+', ' ');
	try {
		return decodeURIComponent(spaced);
	} catch {
		// Python's unquote replaces invalid sequences instead of failing: decode what can be decoded.
		return spaced.replace(/(?:%[0-9a-fA-F]{2})+/g, run => {
			try {
				return decodeURIComponent(run);
			} catch {
				return Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8');
			}
		});
	}
}

/** Python `urllib.parse.parse_qs`: `&`-separated, blank values dropped, the last value of a key wins (as used). */
export function parseQueryString(query: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const piece of query.split('&')) {
		if (piece === '') continue;
		const eq = piece.indexOf('=');
		if (eq === -1) continue; // parse_qs drops a name without '=' (strict_parsing off)
		const value = decodeQueryComponent(piece.slice(eq + 1));
		if (value === '') continue;
		out[decodeQueryComponent(piece.slice(0, eq))] = value;
	}

	return out;
}

/** Step 21. Returns the reason the line is invalid, or undefined after filling `hit.args`. */
export function applyReplay(hit: Hit, options: ReplayOptions): string | undefined {
	const path = hit.path.toLowerCase();
	if (hit.queryString === '' || !options.trackerFiles.some(file => path.endsWith(file))) {
		return `no query string, or ${hit.path} does not end with ${options.trackerFiles.join('/')}`;
	}

	const params = parseQueryString(hit.queryString);
	if (params.idsite === undefined) return 'missing idsite';
	if (options.addToDate !== 0) {
		for (const key of timestampParams) {
			if (params[key] !== undefined) {
				const value = Number.parseInt(params[key], 10);
				if (!Number.isNaN(value)) params[key] = String(value + options.addToDate);
			}
		}
	}

	hit.args = {...hit.args, ...params};
	return undefined;
}

/** The visitor a replayed hit belongs to: uid, cid, _id, cip, then the IP. */
export function replayVisitorId(hit: Hit): string {
	const args = hit.args;
	return args?.uid ?? args?.cid ?? args?._id ?? args?.cip ?? hit.ip;
}

type Nested = Record<string, unknown> | unknown[];

/**
 * PHP-style keys (`a[b][]`, `a[0]`) → nested lists and dicts, as the reference's `UrlHelper.convert_array_args`:
 * `[]` appends, another index is a dict key, a container of the wrong type is replaced, and afterwards dicts whose
 * keys are exactly "0".."n-1" become lists.
 */
export function convertArrayArgs(args: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(args)) {
		const match = /^([^[\]]+)((?:\[[^[\]]*\])+)$/.exec(key);
		if (!match) {
			out[key] = value;
			continue;
		}

		const indexes = [...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map(m => m[1]!);
		let container: Nested = out;
		let name: string | number = match[1]!;
		for (const index of indexes) {
			const wanted = index === '' ? 'list' : 'dict';
			let next: unknown = Array.isArray(container) ? container[name as number] : container[name as string];
			if (wanted === 'list' ? !Array.isArray(next) : typeof next !== 'object' || next === null || Array.isArray(next)) {
				next = wanted === 'list' ? [] : {};
				if (Array.isArray(container)) container[name as number] = next;
				else container[name as string] = next;
			}

			container = next as Nested;
			name = index === '' ? (container as unknown[]).length : index;
		}

		if (Array.isArray(container)) container[name as number] = value;
		else container[name as string] = value;
	}

	return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, contiguousToList(v)]));
}

/** Nested dicts with keys exactly "0".."n-1" become lists (applied below the top level). */
export function contiguousToList(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(item => contiguousToList(item));
	if (typeof value !== 'object' || value === null) return value;
	const entries = Object.entries(value as Record<string, unknown>);
	const converted = Object.fromEntries(entries.map(([k, v]) => [k, contiguousToList(v)]));
	const keys = Object.keys(converted);
	if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map(k => converted[k]);
	return converted;
}
