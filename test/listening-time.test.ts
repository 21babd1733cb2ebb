import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Hit} from '../source/parse/hit.js';
import {toQueryString, type RequestOptions, type SiteTarget} from '../source/track/tracking-request.js';
import {
	durationFromFields,
	isListenerRequest,
	listenFromHit,
	listeningRequests,
	type Listen,
	type ListeningOptions,
	type ListeningRequest,
} from '../source/track/listening-time.js';
import {optionTable} from '../source/options/table.js';
import {readRadioFixture, utc} from './radio-fixture.js';

const site: SiteTarget = {idsite: '3', mainUrl: 'https://radio.example.com'};
const requestOptions: RequestOptions = {
	stripQueryString: false,
	queryStringDelimiter: '?',
	titleCategoryDelimiter: '/',
	reverseDns: false,
	enableBots: false,
	replayTracking: false,
};

/** The listen of the fixture's `index`-th data line (0-based, header lines not counted). */
function listenAt(name: 'icecast2' | 'shoutcast', index: number): Listen {
	const line = readRadioFixture(name)[index];
	assert.ok(line && typeof line.listen !== 'string', `${name} data line ${index + 1} is a listen`);
	return line.listen;
}

/** A synthetic listen: disconnect at `end` (UTC text), `duration` seconds. */
function syntheticListen(end: string, duration: number, overrides: Partial<Hit> = {}): Listen {
	const hit: Hit = {
		input: 0,
		lineNo: 0,
		endOffset: 0,
		status: '200',
		path: '/live.mp3',
		queryString: '',
		extension: 'mp3',
		referrer: '',
		userAgent: 'VLC/3.0.18 LibVLC/3.0.18',
		ip: '198.51.100.9',
		length: 1000,
		generationTimeMilli: 0,
		host: undefined,
		userid: undefined,
		eventCategory: undefined,
		eventAction: undefined,
		eventName: undefined,
		isDownload: false,
		isRobot: false,
		isError: false,
		isRedirect: false,
		seconds: utc(end),
		micros: 0,
		args: undefined,
		pageCvars: undefined,
		visitCvars: undefined,
		fields: undefined,
		...overrides,
	};
	const listen = listenFromHit(hit, duration);
	assert.ok(listen);
	return listen;
}

/** [kind, cdt] per request: the schedule at a glance. */
function schedule(requests: ListeningRequest[]): Array<[string, unknown]> {
	return requests.map(request => [request.kind, request.params.cdt]);
}

function requests(listen: Listen, options: Partial<ListeningOptions> = {}): ListeningRequest[] {
	return listeningRequests(listen, site, {...requestOptions, ...options});
}

describe('listenFromHit', () => {
	it('starts the listen at disconnect − duration, mount without the query string', () => {
		// Icecast line 3: disconnect 2026-11-21 10:20:00 UTC, stayed 3600 s, path /stream.mp3?token=a1b2c3.
		const listen = listenAt('icecast2', 2);
		assert.equal(listen.mount, '/stream.mp3');
		assert.equal(listen.durationSeconds, 3600);
		assert.equal(listen.startSeconds, utc('2026-11-21 09:20:00'));
		assert.equal(listen.startMicros, 0);
		assert.equal(listen.hit.seconds, utc('2026-11-21 10:20:00'));
	});

	it('reads the time zone of the line (+0100) before subtracting', () => {
		// 22/Nov/2026:01:20:00 +0100 = 00:20:00 UTC, stayed 900 s → 00:05:00 UTC.
		assert.equal(listenAt('icecast2', 9).startSeconds, utc('2026-11-22 00:05:00'));
	});

	it('keeps a fractional duration exact to the microsecond', () => {
		const listen = syntheticListen('2026-11-21 12:00:00', 95.5);
		assert.equal(listen.startSeconds, utc('2026-11-21 11:58:24'));
		assert.equal(listen.startMicros, 500_000);
	});

	it('is null without a usable duration or for a failed connection', () => {
		const {hit} = syntheticListen('2026-11-21 12:00:00', 10);
		assert.equal(listenFromHit(hit, undefined), null);
		assert.equal(listenFromHit(hit, Number.NaN), null);
		assert.equal(listenFromHit(hit, -1), null);
		assert.equal(listenFromHit(hit, Number.POSITIVE_INFINITY), null);
		assert.equal(listenFromHit({...hit, status: '404'}, 0), null);
		assert.equal(listenFromHit({...hit, status: '302'}, 10), null);
		assert.ok(listenFromHit({...hit, status: '206'}, 10));
	});

	it('sorts the fixture lines: 404, source client and missing duration are not listens', () => {
		const icecast = readRadioFixture('icecast2').map(line => (typeof line.listen === 'string' ? line.listen : line.listen.mount));
		assert.deepEqual(icecast, [
			'/stream.mp3',
			'/stream.mp3',
			'/stream.mp3',
			'/stream.mp3',
			'http error',
			'no duration',
			'source client',
			'/jazz.ogg',
			'/jazz.ogg',
			'/jazz.ogg',
		]);
		const shoutcast = readRadioFixture('shoutcast').map(line => (typeof line.listen === 'string' ? line.listen : line.listen.mount));
		assert.deepEqual(shoutcast, ['/stream/1/', '/stream/1/', '/stream/1/', '/stream/1/', 'http error', '/stream/2/', '/stream/2/', '/stream/2/']);
	});
});

describe('durationFromFields and isListenerRequest', () => {
	it('reads session_time (icecast2) and generation_time_secs (shoutcast)', () => {
		assert.equal(durationFromFields({session_time: '1200'}), 1200);
		assert.equal(durationFromFields({session_time: '-'}), undefined);
		assert.equal(durationFromFields({session_time: '12-3'}), undefined);
		assert.equal(durationFromFields({session_time: undefined}), undefined);
		assert.equal(durationFromFields({generation_time_secs: '95.5'}), 95.5);
		assert.equal(durationFromFields({path: '/x'}), undefined);
	});

	it('tells source clients from listeners', () => {
		assert.equal(isListenerRequest({method: 'GET'}), true);
		assert.equal(isListenerRequest({method: 'SOURCE'}), false);
		assert.equal(isListenerRequest({method: 'PUT'}), false);
		assert.equal(isListenerRequest({path: '/stream/1/'}), true);
	});
});

describe('listeningRequests', () => {
	it('a long listen (1 h): page view at the start, event 1 s later, pings inside the visit window, nothing at the end', () => {
		// 203.0.113.5 listened 3600 s to /stream.mp3?token=a1b2c3, disconnecting at 10:20:00: start 09:20:00.
		// Event at 09:20:01 (the last real action); the window closes 1800 s later, at 09:50:01, so the last ping is
		// at 09:50:00 (start + 2 × 900 s). The end (10:20:00) is outside the window: no ping there, and no action.
		const result = requests(listenAt('icecast2', 2));
		assert.deepEqual(schedule(result), [
			['pageview', '2026-11-21 09:20:00'],
			['event', '2026-11-21 09:20:01'],
			['ping', '2026-11-21 09:35:00'],
			['ping', '2026-11-21 09:50:00'],
		]);
		assert.deepEqual(
			result.map(request => request.seconds - utc('2026-11-21 09:20:00')),
			[0, 1, 900, 1800],
		);
		const end = utc('2026-11-21 10:20:00');
		assert.ok(result.every(request => request.seconds < end));
		assert.equal(result.filter(request => request.kind !== 'ping').length, 2, 'two actions, both at the start');

		const [pageView, event, ping] = result.map(request => request.params);
		// The reference's page view, query string stripped, at the start; a stream is not a download.
		assert.deepEqual(pageView, {
			rec: '1',
			apiv: '1',
			url: 'https://radio.example.com/stream.mp3',
			urlref: '',
			cip: '203.0.113.5',
			cdt: '2026-11-21 09:20:00',
			idsite: '3',
			queuedtracking: '0',
			dp: '1',
			ua: 'iTunes/12.13 (Macintosh; OS X 14.1)',
			bw_bytes: 57600000,
			cvar: '{"1": ["HTTP-code", "200"]}',
		});
		// The event joins the visit (same cip/ua/idsite) and carries nothing of the page view's own.
		assert.deepEqual(event, {
			rec: '1',
			apiv: '1',
			url: 'https://radio.example.com/stream.mp3',
			cip: '203.0.113.5',
			cdt: '2026-11-21 09:20:01',
			idsite: '3',
			queuedtracking: '0',
			dp: '1',
			ua: 'iTunes/12.13 (Macintosh; OS X 14.1)',
			e_c: 'Listening',
			e_a: '/stream.mp3',
			e_v: 3600,
		});
		// A ping: the event's joining parameters, its own date, `ping=1`.
		const {e_c: _c, e_a: _a, e_v: _v, ...joining} = event;
		assert.deepEqual(ping, {...joining, cdt: '2026-11-21 09:35:00', ping: '1'});
		assert.match(toQueryString(event), /&e_c=Listening&e_a=%2Fstream.mp3&e_v=3600$/);
	});

	it('a 20-minute listen: a ping every 15 min and one at the end, inside the window', () => {
		// 198.51.100.1, 1200 s, disconnect 10:15:00: start 09:55:00, ping at +900 s, end ping at +1200 s.
		assert.deepEqual(schedule(requests(listenAt('icecast2', 1))), [
			['pageview', '2026-11-21 09:55:00'],
			['event', '2026-11-21 09:55:01'],
			['ping', '2026-11-21 10:10:00'],
			['ping', '2026-11-21 10:15:00'],
		]);
	});

	it('a short listen (5 min, across midnight start): page view, event, end ping', () => {
		// 2001:db8::7, 300 s, disconnect 22 Nov 00:05:00: start at midnight.
		const result = requests(listenAt('icecast2', 7));
		assert.deepEqual(schedule(result), [
			['pageview', '2026-11-22 00:00:00'],
			['event', '2026-11-22 00:00:01'],
			['ping', '2026-11-22 00:05:00'],
		]);
		assert.equal(result[0].params.cip, '2001:db8::7');
		assert.equal(result[1].params.e_v, 300);
	});

	it('a listen that spans midnight is recorded on the day it started', () => {
		// 198.51.100.1, 1800 s to /jazz.ogg, disconnect 22 Nov 00:10:00: start 21 Nov 23:40:00. The end (+1800 s) is
		// the window's last second (event + 1799 s): the end ping is still sent.
		assert.deepEqual(schedule(requests(listenAt('icecast2', 8))), [
			['pageview', '2026-11-21 23:40:00'],
			['event', '2026-11-21 23:40:01'],
			['ping', '2026-11-21 23:55:00'],
			['ping', '2026-11-22 00:10:00'],
		]);
	});

	it('a zero-second connection: the page view and an event of value 0, no ping', () => {
		const result = requests(listenAt('icecast2', 3));
		assert.deepEqual(schedule(result), [
			['pageview', '2026-11-21 10:30:00'],
			['event', '2026-11-21 10:30:01'],
		]);
		assert.equal(result[1].params.e_v, 0);
		// One- and two-second listens: the end ping only once it is after the event.
		assert.deepEqual(
			requests(syntheticListen('2026-11-21 12:00:01', 1)).map(request => request.kind),
			['pageview', 'event'],
		);
		assert.deepEqual(
			requests(syntheticListen('2026-11-21 12:00:02', 2)).map(request => request.kind),
			['pageview', 'event', 'ping'],
		);
	});

	it('a 30 min 1 s listen: pings at +15 and +30 min, the end is one second past the window', () => {
		const result = requests(syntheticListen('2026-11-21 12:30:01', 1801));
		assert.deepEqual(
			result.map(request => [request.kind, request.seconds - utc('2026-11-21 12:00:00')]),
			[
				['pageview', 0],
				['event', 1],
				['ping', 900],
				['ping', 1800],
			],
		);
	});

	it("with another ping interval, a last ping at the window's last second for a long listen", () => {
		const result = requests(syntheticListen('2026-11-21 14:00:00', 7200), {pingIntervalSeconds: 700});
		assert.deepEqual(
			result.map(request => [request.kind, request.seconds - utc('2026-11-21 12:00:00')]),
			[
				['pageview', 0],
				['event', 1],
				['ping', 700],
				['ping', 1400],
				['ping', 1800],
			],
		);
	});

	it('with a raised visit_standard_length, pings cover the whole listen and mark its end', () => {
		const result = requests(syntheticListen('2026-11-21 13:56:40', 7000), {visitWindowSeconds: 7200});
		assert.deepEqual(
			result.map(request => request.seconds - utc('2026-11-21 12:00:00')),
			[0, 1, 900, 1800, 2700, 3600, 4500, 5400, 6300, 7000],
		);
		// Never more than 15 minutes apart.
		for (let index = 1; index < result.length; index++) assert.ok(result[index].seconds - result[index - 1].seconds <= 900);
	});

	it('keeps the microseconds of a fractional duration, and marks the end at the disconnect time exactly', () => {
		const result = requests(syntheticListen('2026-11-21 12:00:00', 95.5));
		assert.deepEqual(schedule(result), [
			['pageview', '2026-11-21 11:58:24.500000'],
			['event', '2026-11-21 11:58:25.500000'],
			['ping', '2026-11-21 12:00:00'],
		]);
		assert.equal(result[1].params.e_v, 95.5);
	});

	it('SHOUTcast: no pf_srv from x-duration, no query string, same schedule', () => {
		const listen = listenAt('shoutcast', 2);
		assert.equal(listen.hit.generationTimeMilli, 3_600_000, 'the format reads x-duration as the generation time');
		const result = requests(listen);
		assert.equal(result[0].params.url, 'https://radio.example.com/stream/1/');
		assert.equal('pf_srv' in result[0].params, false);
		assert.equal(result[0].params.ua, 'iTunes/12.13 (Macintosh; OS X 14.1)');
		assert.deepEqual(schedule(result), [
			['pageview', '2026-11-21 09:20:00'],
			['event', '2026-11-21 09:20:01'],
			['ping', '2026-11-21 09:35:00'],
			['ping', '2026-11-21 09:50:00'],
		]);
	});

	it('carries the visitor identity (uid, bots) to the event and pings', () => {
		const listen = syntheticListen('2026-11-21 12:10:00', 600, {args: {uid: 'alice'}, userid: 'alice'});
		const result = listeningRequests(listen, site, {...requestOptions, enableBots: true});
		for (const request of result) {
			assert.equal(request.params.uid, 'alice');
			assert.equal(request.params.bots, '1');
		}

		assert.equal('_cvar' in result[1].params, false, 'the Bot/Not-Bot visit variable stays on the page view');
	});

	it('rejects a zero ping interval', () => {
		assert.throws(() => requests(syntheticListen('2026-11-21 12:10:00', 600), {pingIntervalSeconds: 0}), RangeError);
	});
});

describe('the --track-listening-time option', () => {
	it('is in the option table, offered by the wizard with the tracking choices', () => {
		const option = optionTable.find(entry => entry.flag === 'track-listening-time');
		assert.equal(option?.type, 'boolean');
		assert.equal(option?.wizard, 'track');
	});
});
