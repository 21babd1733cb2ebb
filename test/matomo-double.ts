/**
 * A Matomo test double: a real HTTP server on 127.0.0.1 (random port) that answers the Reporting API calls and the
 * tracking requests of an importer the way Matomo 5 does, records what it accepted, and injects faults on demand.
 * Stricter than Matomo where a lenient answer would hide an importer bug (see `violations`).
 *
 *   const matomo = await startMatomoDouble({ sites: [...] });
 *   ... point the importer at matomo.url ...
 *   matomo.received  // the accepted hits, decoded
 *   await matomo.close();
 *
 * Details of the API in matomo-double/api.ts, of the tracker in matomo-double/tracking.ts, of faults in
 * matomo-double/faults.ts.
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {handleApi} from './matomo-double/api.js';
import {FaultPicker} from './matomo-double/faults.js';
import {DoubleState} from './matomo-double/state.js';
import {decodeQuery, trackBulk, trackSingle} from './matomo-double/tracking.js';
import type {ApiCall, DoubleOptions, DoubleSite, DoubleStats, FaultSpec, HttpLogEntry, MatomoDouble, ReceivedHit} from './matomo-double/types.js';

export type * from './matomo-double/types.js';
export {parseFaultSpec} from './matomo-double/faults.js';

const MAX_BODY_BYTES = 64 * 1024 * 1024;
// Matomo's 1x1 transparent GIF, the answer to a single tracking request.
const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAAAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const matomoTrackerPage =
	"This resource is part of Matomo. Keep full control of your data with the leading free and open source <a href='https://matomo.org' target='_blank' rel='noopener noreferrer nofollow'>web analytics & conversion optimisation platform</a>.<br>\n" +
	"This file is the endpoint for the Matomo tracking API. If you want to access the Matomo UI or use the Reporting API, please use <a href='index.php'>index.php</a> instead.\n";
// What GET / looks like: enough for someone (or a client) to see it is Matomo, and HTML, not the API.
const loginPage =
	'<!DOCTYPE html>\n<html id="ng-app" ng-app="piwikApp"><head><meta charset="utf-8"><title>Sign in - Matomo</title>' +
	'<meta name="generator" content="Matomo - free/libre analytics platform"></head><body class="login">' +
	'<div id="loginPage"><h1>Sign in</h1></div></body></html>\n';
const internalErrorPage = '<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>\n';
// A PHP notice printed before the JSON: the classic reason for a non-JSON answer with HTTP 200.
const brokenJson = '<br />\n<b>Warning</b>:  Undefined array key "x" in <b>/var/www/matomo/core/Tracker.php</b> on line <b>42</b><br />\n{"status":"succ';

function isTrackerPath(path: string): boolean {
	return path.endsWith('/matomo.php') || path.endsWith('/piwik.php');
}

class DoubleServer implements MatomoDouble {
	readonly url: string;
	readonly port: number;
	private readonly timers = new Set<NodeJS.Timeout>();

	constructor(
		private readonly server: http.Server,
		private readonly state: DoubleState,
		private readonly faults: FaultPicker,
	) {
		this.port = (server.address() as AddressInfo).port;
		this.url = `http://127.0.0.1:${this.port}`;
	}

	get received(): ReceivedHit[] {
		return this.state.received;
	}
	get apiCalls(): ApiCall[] {
		return this.state.apiCalls;
	}
	get httpLog(): HttpLogEntry[] {
		return this.state.httpLog;
	}
	get violations(): string[] {
		return this.state.violations;
	}
	get bulkPosts(): number {
		return this.state.bulkPosts;
	}
	get sites(): DoubleSite[] {
		return this.state.sites;
	}

	hitCount(): number {
		return this.state.tracked;
	}

	stats(): DoubleStats {
		const s = this.state;
		return {
			bulkPosts: s.bulkPosts,
			singleHits: s.singleHits,
			hits: s.tracked,
			invalid: s.invalid,
			apiCalls: s.apiCalls.length,
			faults: this.faults.applied,
			violations: s.violations.length,
		};
	}

	setFaults(spec: FaultSpec[]): void {
		this.faults.set(spec);
	}

	clearFaults(): void {
		this.faults.clear();
	}

	reset(): void {
		this.state.resetData();
		this.faults.reset();
	}

	async close(): Promise<void> {
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
		const closed = new Promise<void>(resolve => this.server.close(() => resolve()));
		// Keep-alive sockets and requests held by a 'timeout' fault would otherwise keep close() waiting.
		this.server.closeAllConnections();
		await closed;
	}

	/** Answer later ('slow'), unless the double is closed or the client went away first. */
	later(ms: number, answer: () => void): void {
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			answer();
		}, ms);
		this.timers.add(timer);
	}
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
	if (res.destroyed || res.writableEnded) return;
	res.writeHead(status, {'content-type': type, 'content-length': Buffer.byteLength(body)});
	res.end(body);
}

const sendJson = (res: http.ServerResponse, status: number, value: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

/** A TCP reset, as a crashed PHP-FPM or an overloaded proxy would give. */
/** How many requests a bulk body carries (without validating it: a web server in front of Matomo counts bytes). */
function bulkRequestCount(body: string): number {
	try {
		const requests = (JSON.parse(body) as {requests?: unknown}).requests;
		return Array.isArray(requests) ? requests.length : 0;
	} catch {
		return 0;
	}
}

function resetConnection(req: http.IncomingMessage): void {
	const socket = req.socket;
	if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
	else socket.destroy();
}

export async function startMatomoDouble(options: DoubleOptions = {}): Promise<MatomoDouble> {
	const state = new DoubleState(options);
	const faults = new FaultPicker(options.seed ?? 12345);
	if (options.faults) faults.set(options.faults);
	let double: DoubleServer | undefined;

	const handle = (req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const path = url.pathname;
		const query = decodeQuery(url.search.slice(1));
		const isForm = String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
		const form = isForm ? decodeQuery(raw.toString('utf8')) : {};
		// PHP's $_GET + $_POST: on a clash the query string wins.
		const params = {...form, ...query};

		if (isTrackerPath(path)) return tracking(req, res, raw, path, query, params);
		if (params.module === 'API' && (path.endsWith('/') || path.endsWith('/index.php'))) {
			const fault = faults.pick('api');
			const answer = () => {
				const result = handleApi(state, params, 'token_auth' in query);
				if (fault?.kind === 'invalid-json') return send(res, 200, 'text/html; charset=utf-8', brokenJson);
				sendJson(res, result.status, result.body);
			};
			if (fault?.kind === 'reset') return resetConnection(req);
			if (fault?.kind === 'timeout') return;
			if (fault?.kind === '500') return send(res, 500, 'text/html; charset=utf-8', internalErrorPage);
			if (fault?.kind === 'slow') return double?.later(fault.ms ?? 0, answer);
			return answer();
		}
		if (path === '/' || path.endsWith('/index.php')) return send(res, 200, 'text/html; charset=utf-8', loginPage);
		send(res, 404, 'text/html; charset=utf-8', '<html><body><h1>404 Not Found</h1></body></html>\n');
	};

	const tracking = (
		req: http.IncomingMessage,
		res: http.ServerResponse,
		raw: Buffer,
		path: string,
		query: Record<string, string>,
		params: Record<string, string>,
	) => {
		const body = req.method === 'POST' ? raw.toString('utf8') : '';
		if (body.includes('"requests"')) {
			state.bulkPosts++;
			// Without the BulkTracking plugin the JSON body is ignored and the URL's params (queuedtracking=0) make a
			// request without idsite: UnexpectedWebsiteFoundException, HTTP 400 with the GIF.
			if (options.bulkTrackingDisabled) return send(res, 400, 'image/gif', gif);
			if (options.maxBulkRequests !== undefined && bulkRequestCount(body) > options.maxBulkRequests) {
				return send(res, 413, 'text/html; charset=utf-8', '<html><body><h1>413 Request Entity Too Large</h1></body></html>');
			}
			const fault = faults.pick('bulk');
			switch (fault?.kind) {
				case 'reset':
					return resetConnection(req);
				case 'timeout':
					return; // hold the request: the client must give up on its own
				case '500':
					return send(res, 500, 'text/html; charset=utf-8', internalErrorPage);
				case '503':
					res.setHeader('Retry-After', String(fault.retryAfter ?? 1));
					return send(res, 503, 'text/html; charset=utf-8', internalErrorPage);
				case 'bulk-disabled':
					return send(res, 400, 'image/gif', gif);
			}
			if (fault?.kind === 'partial') {
				const before = {received: state.received.length, tracked: state.tracked, invalid: state.invalid};
				const outcome = trackBulk(state, body, query, path, total => fault.tracked ?? Math.floor(total / 2));
				const tracked = outcome.kind === 'done' ? outcome.tracked : 0;
				const invalid = outcome.kind === 'done' ? outcome.invalid : 0;
				if (fault.rollback) {
					state.received.length = before.received;
					state.tracked = before.tracked;
					state.invalid = before.invalid;
				}
				return sendJson(res, 500, {status: 'error', tracked, invalid, message: 'injected partial failure'});
			}
			const outcome = trackBulk(state, body, query, path);
			const answer = () => {
				if (fault?.kind === 'invalid-json') return send(res, 200, 'text/html; charset=utf-8', brokenJson);
				if (outcome.kind === 'auth-failed') {
					const error: Record<string, unknown> = {status: 'error', tracked: 0, invalid: 0};
					if (query.debug === '1') error.message = outcome.message;
					return sendJson(res, 500, error);
				}
				if (outcome.kind === 'not-bulk') return send(res, 400, 'text/html; charset=utf-8', matomoTrackerPage);
				const result: Record<string, unknown> = {status: 'success', tracked: outcome.tracked, invalid: outcome.invalid};
				if (outcome.showIndices) result.invalid_indices = outcome.invalidIndices;
				sendJson(res, 200, result);
			};
			if (fault?.kind === 'slow') return double?.later(fault.ms ?? 0, answer);
			return answer();
		}

		// A single tracking request (GET query or POST form).
		if (Object.keys(params).length === 0) {
			return send(res, req.method === 'GET' ? 200 : 400, 'text/html; charset=utf-8', matomoTrackerPage);
		}
		state.singleHits++;
		const fault = faults.pick('single');
		if (fault?.kind === 'reset') return resetConnection(req);
		if (fault?.kind === 'timeout') return;
		if (fault?.kind === '500') return send(res, 500, 'text/html; charset=utf-8', internalErrorPage);
		const verdict = trackSingle(state, params, path, 'token_auth' in query);
		const answer = () => {
			if (fault?.kind === 'invalid-json') return send(res, 200, 'text/html; charset=utf-8', brokenJson);
			if (!verdict.ok) return send(res, 400, 'image/gif', gif);
			if (params.send_image === '0') {
				res.writeHead(204);
				return res.end();
			}
			send(res, 200, 'image/gif', gif);
		};
		if (fault?.kind === 'slow') return double?.later(fault.ms ?? 0, answer);
		answer();
	};

	const server = http.createServer((req, res) => {
		if (!state.countOnly) state.httpLog.push({method: req.method ?? '', url: req.url ?? '', headers: {...req.headers}});
		if (options.basicAuth) {
			const expected = `Basic ${Buffer.from(`${options.basicAuth.user}:${options.basicAuth.password}`).toString('base64')}`;
			if (req.headers.authorization !== expected) {
				res.setHeader('www-authenticate', 'Basic realm="Matomo"');
				// Drain the body so the keep-alive connection stays usable.
				req.resume();
				return send(res, 401, 'text/html; charset=utf-8', '<html><body><h1>401 Authorization Required</h1></body></html>\n');
			}
		}
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= MAX_BODY_BYTES) chunks.push(chunk);
		});
		req.on('end', () => {
			if (size > MAX_BODY_BYTES) return send(res, 413, 'text/html; charset=utf-8', '<h1>413 Request Entity Too Large</h1>\n');
			handle(req, res, Buffer.concat(chunks));
		});
	});
	server.keepAliveTimeout = 30_000;

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	double = new DoubleServer(server, state, faults);
	return double;
}
