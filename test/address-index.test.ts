/**
 * The address index of bot detection by behaviour: IPv4 numbers in an open-addressing table, other addresses in a
 * Map, forgotten oldest first. Checked against a plain Map over many random additions and removals (growth, probe
 * chains that removals must not cut) and through its state, as a worker hands it over.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {AddressIndex, ipv4Number} from '../source/filter/bots/address-index.js';

test('ipv4Number reads dotted quads and nothing else', () => {
	assert.equal(ipv4Number('0.0.0.0'), 0);
	assert.equal(ipv4Number('192.0.2.1'), 0xc0_00_02_01);
	assert.equal(ipv4Number('255.255.255.255'), 0xff_ff_ff_ff);
	for (const text of [
		'',
		'1.2.3',
		'1.2.3.4.5',
		'256.1.1.1',
		'1.2.3.04',
		'01.2.3.4',
		'1..2.3',
		'1.2.3.',
		'.1.2.3',
		'1.2.3.4 ',
		'::1',
		'2001:db8::1',
		'host.example',
		'1234.1.1.1',
	]) {
		assert.equal(ipv4Number(text), -1, text);
	}
});

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state + 0x6d_2b_79_f5) | 0;
		let t = Math.imul(state ^ (state >>> 15), 1 | state);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

test('the index finds what a Map finds, through growth and removals of the oldest addresses', () => {
	const next = random(7);
	const index = new AddressIndex();
	const model = new Map<string, number>();
	// Few distinct numbers in a narrow range: clustered buckets, long probe chains for removals to keep intact.
	const address = () => (next() < 0.1 ? `2001:db8::${Math.floor(next() * 500).toString(16)}` : `10.0.${Math.floor(next() * 20)}.${Math.floor(next() * 250)}`);
	let slot = 0;
	for (let step = 0; step < 40_000; step++) {
		const text = address();
		assert.equal(index.get(text), model.get(text) ?? -1, `step ${step}: ${text}`);
		if (!model.has(text)) {
			index.add(text, slot, copy => ` ${copy}`.slice(1));
			model.set(text, slot++);
		}

		if (model.size > 3000 || next() < 0.3) {
			const [oldest, head] = model.entries().next().value as [string, number];
			assert.equal(index.oldest(), head);
			index.removeOldest();
			model.delete(oldest);
		}

		assert.equal(index.size, model.size);
	}

	for (const [text, head] of model) assert.equal(index.get(text), head);
	const copy = AddressIndex.from(index.state());
	for (const [text, head] of model) assert.equal(copy.get(text), head);
	assert.equal(copy.get('10.0.99.1'), -1);
	assert.equal(copy.oldest(), model.values().next().value);
});

test('an address in use is seen last, not forgotten', () => {
	const index = new AddressIndex();
	index.add('192.0.2.1', 0, text => text);
	index.add('192.0.2.2', 1, text => text);
	index.requeueOldest();
	assert.equal(index.oldest(), 1);
	index.removeOldest();
	assert.equal(index.get('192.0.2.2'), -1);
	assert.equal(index.get('192.0.2.1'), 0);
});
