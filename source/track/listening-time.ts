/**
 * Listening time for radio stations (`--track-listening-time`, issue 5): one Icecast 2 / SHOUTcast access-log line
 * → the tracking requests that let Matomo report listeners, connection durations and aggregate tuning hours.
 *
 * Icecast writes its access-log line when the listener DISCONNECTS: the date is the disconnect time and the last
 * field is how long the listener stayed (`logging_access`: `stayed = now - con_time`; the `session_time` group of the
 * icecast2 format). SHOUTcast's W3C log has the same in `x-duration` (the `generation_time_secs` group). The
 * reference importer sends such a line as one page view at the disconnect time and drops the duration, so Matomo
 * shows zero-length visits at the wrong time. With the option, a listen becomes:
 *
 *   1. a page view of the mount point at the START of the listen (disconnect − duration), query string stripped (a
 *      listener's `?type=.mp3` or player token is not a different stream), so streams show under Entry pages;
 *   2. one second later, in the same visit, an event `Listening` / mount point with the seconds listened as its
 *      value: Matomo's Events report then sums it (total = aggregate tuning hours × 3600) and averages it per mount.
 *      The event values are the exact figure; visit durations are only an approximation (below);
 *   3. heartbeats (`ping=1`) during the listen, so that the visit duration follows the listen as far as Matomo lets
 *      it. Checked on Matomo 5.0.2: a ping extends a visit only up to `visit_standard_length` (30 min by default)
 *      after the visit's last real action, and a ping that would open a new visit is dropped
 *      (`PingRequestProcessor`). So no ping is sent past that window: it would be wasted.
 *
 * Never an action at the end of the listen: an action at the disconnect time of a listen longer than the visit
 * window opens a SECOND visit (one listener counted twice, a second "entry"). The end is only ever marked by a ping,
 * and only when it falls inside the window.
 *
 * Pure: no I/O. The engine decides which hits are listens (`listenFromHit`), turns each into requests
 * (`listeningRequests`), reorders them by time (`ReorderWindow`, since start times arrive out of order) and feeds
 * the statistics (`ListeningStats`).
 */
import type {Fields} from '../parse/format.js';
import type {Hit} from '../parse/hit.js';
import {formatCdt} from '../parse/strptime.js';
import {pythonFloat} from '../python/semantics.js';
import {trackingParams, type RequestOptions, type SiteTarget} from './tracking-request.js';

/** The option, for `source/options/table.ts` (group "Tracked data"). Off by default: plain imports stay the reference's. */
/** Formats whose lines carry a listening duration: the wizard offers the option only for these. */
export const listeningTimeFormats: readonly string[] = ['icecast2', 'shoutcast'];

/** Event category of the listening events. */
export const LISTENING_EVENT_CATEGORY = 'Listening';
/** Matomo's `visit_standard_length` default: 30 minutes. */
export const DEFAULT_VISIT_WINDOW_SECONDS = 1800;
/** Heartbeats at most 15 minutes apart (issue 5). */
export const DEFAULT_PING_INTERVAL_SECONDS = 900;

/** One listener connection, from the line written at its disconnect. */
export interface Listen {
	/** The hit of the line: its date is the DISCONNECT time. */
	hit: Hit;
	/** Seconds listened (≥ 0; fractional for SHOUTcast logs that write decimals). */
	durationSeconds: number;
	/** The path without its query string: `/stream.mp3`. */
	mount: string;
	/** The start of the listen, disconnect − duration (UTC Unix seconds and microseconds). */
	startSeconds: number;
	startMicros: number;
}

export type ListeningRequestKind = 'pageview' | 'event' | 'ping';

export interface ListeningRequest {
	kind: ListeningRequestKind;
	/** When Matomo records it (the `cdt`), for the reorder window. */
	seconds: number;
	micros: number;
	/** Tracking parameters, for `toQueryString`. */
	params: Record<string, unknown>;
}

export interface ListeningOptions extends RequestOptions {
	/** Matomo's `visit_standard_length` in seconds (default 1800). Raise both together. */
	visitWindowSeconds?: number;
	/** Longest gap between heartbeats (default 900). */
	pingIntervalSeconds?: number;
}

/**
 * The listening duration of a parsed line, in seconds, or `undefined` when it has none that can be used. Reads
 * `session_time` (icecast2, or a custom regex with that group) and, failing that, `generation_time_secs` (SHOUTcast's
 * `x-duration`). Icecast writes `-` when it has no duration; the icecast2 pattern `[0-9-]+` lets through text such as
 * `12-3`, which is not a duration either.
 */
export function durationFromFields(fields: Fields): number | undefined {
	const session = fields.session_time;
	if (session !== undefined) return /^\d+$/.test(session) ? Number(session) : undefined;
	const secs = pythonFloat(fields.generation_time_secs);
	return secs === null ? undefined : secs;
}

/**
 * Whether the line is a listener's connection. Icecast also logs its SOURCE clients (the encoder: `SOURCE /live.mp3`
 * or, since 2.4, `PUT /live.mp3`) when they disconnect, with the hours they streamed: counted as a listen, the
 * station's own encoder would top the listening hours. The engine skips these lines (or sends them as plain hits)
 * when the option is on. Lines without a method (SHOUTcast W3C) are listeners.
 */
export function isListenerRequest(fields: Fields): boolean {
	const method = fields.method;
	return method !== 'SOURCE' && method !== 'PUT';
}

const MICROS = 1_000_000;

/**
 * A hit → a listen, or `null` when it is not one: no usable duration (missing, negative, not finite), or a status
 * other than 2xx. Failed connections (404 on a wrong mount…) are normally dropped before by the HTTP-error filter;
 * with `--enable-http-errors` they get here, and `null` tells the engine to send them as the reference does (an
 * error page view), not as a listen.
 */
export function listenFromHit(hit: Hit, durationSeconds: number | undefined): Listen | null {
	if (durationSeconds === undefined || !Number.isFinite(durationSeconds) || durationSeconds < 0) return null;
	if (hit.status.length !== 3 || hit.status.charCodeAt(0) !== 50) return null;
	// In microseconds, so that fractional durations keep the start exact (1.8e15 < 2^53).
	const start = hit.seconds * MICROS + hit.micros - Math.round(durationSeconds * MICROS);
	const startSeconds = Math.floor(start / MICROS);
	return {
		hit,
		durationSeconds,
		mount: hit.path,
		startSeconds,
		startMicros: start - startSeconds * MICROS,
	};
}

/**
 * What the event and the heartbeats copy from the page view: what Matomo uses to find the visit (IP, user agent,
 * site, user id / visitor id) and to accept the request (`rec`, `bots` for --enable-bots). Not the page view's
 * referrer, custom variables, bandwidth or generation time: those would count twice or describe the wrong request.
 */
const JOIN_KEYS = ['rec', 'apiv', 'url', 'cip', 'idsite', 'queuedtracking', 'dp', 'ua', 'uid', 'cid', '_id', 'bots'];

function joinParams(pageView: Record<string, unknown>, cdt: string): Record<string, unknown> {
	const params: Record<string, unknown> = {};
	for (const key of JOIN_KEYS) {
		const value = pageView[key];
		if (value !== undefined) params[key] = value;
		// `cdt` in the reference's position (after cip), so that debug output reads like a page view.
		if (key === 'cip') params.cdt = cdt;
	}

	return params;
}

function atSeconds(listen: Listen, offsetSeconds: number): {seconds: number; micros: number; cdt: string} {
	const seconds = listen.startSeconds + offsetSeconds;
	const micros = listen.startMicros;
	return {seconds, micros, cdt: formatCdt({seconds, micros})};
}

/** Event values: the seconds as read, without binary noise from the subtraction of fractional durations. */
function eventValue(durationSeconds: number): number {
	return Math.round(durationSeconds * 1000) / 1000;
}

function positiveOption(value: number | undefined, fallback: number, name: string): number {
	if (value === undefined) return fallback;
	if (!Number.isFinite(value) || value < 1) throw new RangeError(`${name} must be at least 1 second, got ${value}`);
	return Math.floor(value);
}

/**
 * The requests for one listen, in chronological order:
 *
 * - t = start: the page view (the reference's parameters for this hit, at the start time, query string stripped);
 * - t = start + 1 s: the event (`e_c=Listening`, `e_a=<mount>`, `e_v=<seconds listened>`). No `e_n`: the name would
 *   repeat the action, and "Event names" would list every mount twice. One second after the page view so that
 *   Matomo, which orders a visit's actions by time, puts it after the page view. (So Matomo's "time on page" of the
 *   mount is 1 s: the listening time is in the Events report, not in the Pages report);
 * - heartbeats at start + k × interval (k ≥ 1) while strictly before the end of the listen and inside the visit
 *   window, counted from the event (the visit's last real action), with 1 s of margin: a ping at
 *   event + window − 1 s still finds the visit whatever Matomo does with the microseconds. With the defaults (900 s,
 *   1800 s) the pings land at start + 15 min and start + 30 min, and the visit lasts at most 30 min, the most Matomo
 *   allows;
 * - a last heartbeat at the end of the listen when the end is inside that window and after the event; when the listen
 *   outlasts the window and the interval did not reach its last second, one at the window's last second instead, so
 *   that the visit is as long as Matomo allows. Never an action at the end (see the top of the file).
 *
 * Zero-second listens (and listens under 2 s) give the page view and the event only, with the value as read (0): they
 * are connections like any other and go through the normal filters (issue 5), so Matomo's event count stays equal to
 * the connection count of our summary. The event is then one second after the disconnect: harmless, Matomo only
 * needs it after the page view.
 */
export function listeningRequests(listen: Listen, site: SiteTarget, options: ListeningOptions): ListeningRequest[] {
	const visitWindow = positiveOption(options.visitWindowSeconds, DEFAULT_VISIT_WINDOW_SECONDS, 'visitWindowSeconds');
	const interval = positiveOption(options.pingIntervalSeconds, DEFAULT_PING_INTERVAL_SECONDS, 'pingIntervalSeconds');
	const {hit} = listen;

	// The page view: a copy of the hit at the start. Not a download even when .mp3/.ogg are download extensions (a
	// stream is listened to, not downloaded, and only page views are entry pages), and no `pf_srv`: for SHOUTcast
	// the "generation time" is the listening duration, which would wreck Matomo's page-speed report.
	const start = atSeconds(listen, 0);
	const pageHit: Hit = {
		...hit,
		seconds: start.seconds,
		micros: start.micros,
		queryString: '',
		isDownload: false,
		generationTimeMilli: 0,
	};
	const pageView = trackingParams(pageHit, site, {...options, stripQueryString: true});
	const requests: ListeningRequest[] = [{kind: 'pageview', seconds: start.seconds, micros: start.micros, params: pageView}];

	const event = atSeconds(listen, 1);
	requests.push({
		kind: 'event',
		seconds: event.seconds,
		micros: event.micros,
		params: {
			...joinParams(pageView, event.cdt),
			e_c: LISTENING_EVENT_CATEGORY,
			e_a: listen.mount,
			e_v: eventValue(listen.durationSeconds),
		},
	});

	// Offsets from the start, in whole seconds, compared in microseconds against the exact end.
	const durationMicros = Math.round(listen.durationSeconds * MICROS);
	const eventOffset = 1;
	const lastInWindow = eventOffset + visitWindow - 1;
	let last = eventOffset;
	const ping = (offset: number, seconds: number, micros: number, cdt: string): void => {
		requests.push({kind: 'ping', seconds, micros, params: {...joinParams(pageView, cdt), ping: '1'}});
		last = offset;
	};

	for (let offset = interval; offset <= lastInWindow && offset * MICROS < durationMicros; offset += interval) {
		if (offset <= last) continue;
		const at = atSeconds(listen, offset);
		ping(offset, at.seconds, at.micros, at.cdt);
	}

	if (durationMicros <= lastInWindow * MICROS) {
		// The end, exactly (the hit's own date), when after the last request.
		if (durationMicros > last * MICROS) {
			ping(listen.durationSeconds, hit.seconds, hit.micros, formatCdt({seconds: hit.seconds, micros: hit.micros}));
		}
	} else if (last < lastInWindow) {
		const at = atSeconds(listen, lastInWindow);
		ping(lastInWindow, at.seconds, at.micros, at.cdt);
	}

	return requests;
}
