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
 * An anonymous hit from an IP that a user id came from may join that user's visit in Matomo even when the user's
 * hits there are long acknowledged, and that visit goes on with the user's hits from other IPs: so the last user id
 * seen from each IP is remembered (a bounded number of IPs), and an anonymous hit from it is keyed by that user too.
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

/** IPs whose last user id is remembered; the oldest are forgotten first. */
const maxRememberedIps = 200_000;

interface Holder {
	lane: number;
	/** Hits routed with this key and not yet released. */
	pending: number;
}

export class VisitorRouter {
	private readonly holders = new Map<number, Holder>();
	private readonly userOfIp = new Map<number, number>();

	constructor(private readonly lanes: number) {}

	/** Keys held now (for tests and memory checks: only keys of hits on the way are kept). */
	get size(): number {
		return this.holders.size;
	}

	/**
	 * The user key a hit is routed by: its own, or for an anonymous hit the last user id seen from its IP. Call once
	 * per hit, before `route`, and keep the answer with the hit (hold and release take the same keys).
	 */
	userFor(ip: number, user: number): number {
		if (this.lanes === 1) return user;
		if (user === NO_KEY) return this.userOfIp.get(ip) ?? NO_KEY;
		if (this.userOfIp.get(ip) !== user) {
			this.userOfIp.delete(ip);
			if (this.userOfIp.size >= maxRememberedIps) this.userOfIp.delete(this.userOfIp.keys().next().value!);
			this.userOfIp.set(ip, user);
		}

		return user;
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
