/**
 * The radio fixtures (`fixtures/radio/`) read the way the engine reads them: the real format, the real `buildHit`
 * and date reader, then the normal HTTP-error filter (a 404 never becomes a listen) and the listening-time helpers.
 */
import {readFileSync} from 'node:fs';
import type {FormatDefinition} from '../source/parse/format.js';
import {defaultFormatOptions} from '../source/parse/format.js';
import {buildHit, completeHit, type Hit, type HitOptions} from '../source/parse/hit.js';
import {createDateReader} from '../source/parse/dates.js';
import {durationFromFields, isListenerRequest, listenFromHit, type Listen} from '../source/track/listening-time.js';
import icecast2 from '../formats/icecast2.js';
import shoutcast from '../formats/shoutcast.js';

export const hitOptions: HitOptions = {
	forceLowercasePath: false,
	queryStringDelimiter: '?',
	trackHttpMethod: false,
	logHostname: undefined,
	pageCvarGroups: [],
	visitCvarGroups: [],
	ignoreGroups: [],
};

export interface RadioLine {
	lineNo: number;
	hit: Hit;
	/** Why the line is not a listen, or the listen. */
	listen: Listen | 'http error' | 'source client' | 'no duration';
}

export function readRadioFixture(name: 'icecast2' | 'shoutcast'): RadioLine[] {
	const format: FormatDefinition = name === 'icecast2' ? icecast2 : shoutcast;
	const lines = readFileSync(new URL(`../fixtures/radio/${name}.log`, import.meta.url), 'utf8').split('\n');
	const header = lines.filter(line => line.startsWith('#'));
	const parser = format.create(defaultFormatOptions, header);
	if (parser === null) throw new Error(`${name}: no parser`);
	const dates = createDateReader(parser.dateFormat, 0);
	const out: RadioLine[] = [];
	for (const [lineNo, line] of lines.entries()) {
		if (line === '' || line.startsWith('#')) continue;
		const fields = parser.parse(line);
		if (fields === null) throw new Error(`${name}:${lineNo + 1} does not parse`);
		const hit = buildHit(fields, hitOptions, 0, lineNo, 0);
		if (typeof hit === 'string') throw new Error(`${name}:${lineNo + 1}: ${hit}`);
		const dateError = dates.read(fields.date!, fields.timezone, hit);
		if (dateError !== undefined) throw new Error(`${name}:${lineNo + 1}: ${dateError}`);
		completeHit(hit, hitOptions);
		// The engine's checks: 4xx/5xx are HTTP errors; .mp3/.ogg are in the default download extensions.
		if (hit.status.startsWith('4') || hit.status.startsWith('5')) {
			out.push({lineNo, hit, listen: 'http error'});
			continue;
		}

		if (['mp3', 'ogg'].includes(hit.extension)) hit.isDownload = true;
		if (!isListenerRequest(fields)) {
			out.push({lineNo, hit, listen: 'source client'});
			continue;
		}

		out.push({lineNo, hit, listen: listenFromHit(hit, durationFromFields(fields)) ?? 'no duration'});
	}

	return out;
}

export function radioListens(name: 'icecast2' | 'shoutcast'): Listen[] {
	const listens: Listen[] = [];
	for (const line of readRadioFixture(name)) if (typeof line.listen !== 'string') listens.push(line.listen);
	return listens;
}

/** `2026-11-21 09:20:00` (UTC) → Unix seconds. */
export function utc(text: string): number {
	return Date.parse(text.replace(' ', 'T') + 'Z') / 1000;
}
