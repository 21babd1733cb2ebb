import assert from 'node:assert/strict';
import {test} from 'node:test';
import {NO_KEY, VisitorRouter, ipKey, userKey} from '../source/record/visitor-router.js';

test('one lane: everything goes to it, nothing is held', () => {
	const router = new VisitorRouter(1);
	router.hold(router.route(ipKey('10.0.0.1'), userKey('a')), ipKey('10.0.0.1'), userKey('a'));
	assert.equal(router.route(ipKey('10.0.0.2'), userKey('a')), 0);
	assert.equal(router.size, 0);
});

test('hits sharing a user id or an IP stay in the lane that holds them; a key with nothing pending is free', () => {
	const router = new VisitorRouter(8);
	const ipA = ipKey('10.0.0.1');
	const ipB = ipKey('10.0.0.2');
	const alice = userKey('alice');
	const lane = router.route(ipA, alice);
	router.hold(lane, ipA, alice);
	assert.equal(router.route(ipB, alice), lane, 'alice from another IP joins her lane');
	router.hold(lane, ipB, alice);
	assert.equal(router.route(ipB, NO_KEY), lane, 'an anonymous hit from an IP alice used joins it too');
	router.release(ipA, alice);
	assert.equal(router.route(ipB, NO_KEY), lane, 'still held by the second hit');
	router.release(ipB, alice);
	assert.equal(router.size, 0, 'nothing pending, nothing kept');
});

test('keys held by two lanes: the hit must wait', () => {
	const router = new VisitorRouter(64);
	// Two IPs that hash to different lanes, each with a pending hit; then a user id seen from both.
	const ips = Array.from({length: 200}, (_, i) => ipKey(`10.1.${i}.1`));
	const first = ips[0]!;
	const other = ips.find(ip => ip % 64 !== first % 64)!;
	router.hold(router.route(first, NO_KEY), first, NO_KEY);
	const bob = userKey('bob');
	const bobLane = router.route(first, bob);
	router.hold(bobLane, first, bob);
	router.hold(router.route(other, NO_KEY), other, NO_KEY);
	assert.equal(router.route(other, bob), -1, 'bob is held by one lane, the IP by another');
	router.release(other, NO_KEY);
	assert.equal(router.route(other, bob), bobLane, "once the IP is free, bob's lane takes it");
});

test("an anonymous hit from an IP a user id came from is routed with that user, even once the user's hits are acknowledged", () => {
	const router = new VisitorRouter(16);
	const ip = ipKey('10.3.0.1');
	const carol = router.userFor(ip, userKey('carol'));
	const lane = router.route(ip, carol);
	router.hold(lane, ip, carol);
	router.release(ip, carol);
	assert.equal(router.size, 0);
	const anonymous = router.userFor(ip, NO_KEY);
	assert.equal(anonymous, carol, 'keyed by carol');
	// Carol from another IP, while the anonymous hit is on its way: one lane.
	router.hold(router.route(ip, anonymous), ip, anonymous);
	const elsewhere = ipKey('10.3.9.9');
	assert.equal(router.route(elsewhere, router.userFor(elsewhere, userKey('carol'))), router.route(ip, anonymous));
	assert.equal(new VisitorRouter(1).userFor(ip, NO_KEY), NO_KEY, 'one lane remembers nothing');
});
