/**
 * Which recorder lane a hit goes to, so that Matomo sees each visitor's hits in log order whatever the number of
 * recorders.
 *
 * Matomo recognises a visitor by the user id when the request has one (`uid`: its visitor id is then a hash of
 * it), and otherwise by a fingerprint of the IP, the user agent and the site; a hit without a user id can also join
 * the visit of a user id seen from the same IP and browser. So a hit is keyed by its IP, and by its user id when it
 * has one, and two hits that share a key must stay in one lane, in order. A key is held by the lane of its hits
 * that Matomo has not acknowledged yet; a key with nothing pending is free, and its next hit may go to any lane (all
 * its earlier hits are in Matomo already). A hit whose keys are held by two different lanes (a user id seen from a
 * new IP while both have hits on the way) must wait until one of them is free: `route` says so with -1.
 *
 * Keys are 32-bit hashes: two identities that share a hash only share a lane, which is safe.
 */
import {visitorHash} from './hit-batch.js';

/** No user id. */
export const NO_KEY = 0;

/** The key of a user id, never NO_KEY. */
export function userKey(userId: string | undefined): number {
	if (userId === undefined) return NO_KEY;
	return visitorHash(`uid:${userId}`) || 1;
}

/** The key of an IP (or of any other visitor identity, such as a replayed visitor id). */
export function ipKey(ip: string): number {
	return visitorHash(ip);
}

interface Holder {
	lane: number;
	/** Hits routed with this key and not yet released. */
	pending: number;
}

export class VisitorRouter {
	private readonly holders = new Map<number, Holder>();

	constructor(private readonly lanes: number) {}

	/** Keys held now (for tests and memory checks: only keys of hits on the way are kept). */
	get size(): number {
		return this.holders.size;
	}

	/** The lane for a hit with these keys, or -1 when they are held by two lanes (wait for one to be released). */
	route(ip: number, user: number): number {
		if (this.lanes === 1) return 0;
		const byIp = this.holders.get(ip);
		if (user === NO_KEY) return byIp === undefined ? ip % this.lanes : byIp.lane;
		const byUser = this.holders.get(user);
		if (byUser !== undefined && byIp !== undefined && byUser.lane !== byIp.lane) return -1;
		// The user id decides where nothing is held: all its IPs then meet in one lane.
		return byUser?.lane ?? byIp?.lane ?? user % this.lanes;
	}

	/** A hit with these keys was queued in `lane`. */
	hold(lane: number, ip: number, user: number): void {
		if (this.lanes === 1) return;
		this.take(ip, lane);
		if (user !== NO_KEY && user !== ip) this.take(user, lane);
	}

	/** Matomo acknowledged (or the run dropped) a hit held with these keys. */
	release(ip: number, user: number): void {
		if (this.lanes === 1) return;
		this.give(ip);
		if (user !== NO_KEY && user !== ip) this.give(user);
	}

	private take(key: number, lane: number): void {
		const holder = this.holders.get(key);
		if (holder === undefined) this.holders.set(key, {lane, pending: 1});
		else holder.pending++;
	}

	private give(key: number): void {
		const holder = this.holders.get(key);
		if (holder === undefined) return;
		if (--holder.pending === 0) this.holders.delete(key);
	}
}
