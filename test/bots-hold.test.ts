/**
 * The hold stage of --bot-detection=behavior on its own (fed by the evidence table, as the run feeds it from each
 * parsed batch's columns): bounded whatever the input, every hit released or dropped exactly once, and the windows
 * (log time, hits per visitor) that end a wait.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {BotHold, type BotHoldOptions} from '../source/filter/bots/bot-hold.js';
import {createBotStats} from '../source/filter/bots/bot-stats.js';
import {VisitorEvidenceTable, type EvidenceColumns} from '../source/filter/bots/visitor-evidence-table.js';
import {lineKind} from '../source/filter/bots/visitor-evidence.js';

const options: BotHoldOptions = {
	windowSeconds: 1800,
	suspiciousWindowSeconds: 6 * 3600,
	maxHeldPerVisitor: 40,
	maxHeld: 500,
	maxBehind: 100_000,
	trackBots: false,
};
const maxVisitors = 1000;

function hold(overrides: Partial<BotHoldOptions> = {}, visitors = maxVisitors) {
	const stats = createBotStats(false);
	const released: number[] = [];
	const dropped: number[] = [];
	const hold = new BotHold({...options, ...overrides}, stats, {
		release: item => released.push(item),
		drop: item => dropped.push(item),
	});
	const table = new VisitorEvidenceTable({
		maxVisitors: visitors,
		countLevels: false,
		agentLevel: userAgent => (userAgent.includes('bot/') ? 'reference' : undefined),
	});
	// One line's columns, as a parsed batch of one line would have them.
	const columns: EvidenceColumns = {
		botSlots: new Uint32Array(1),
		botBits: new Uint16Array(1),
		botSeconds: new Float64Array(1),
		botFound: [],
		botLevels: {reference: 0, modern: 0},
	};
	table.columns = columns;
	// The slot of each visitor's latest line (a hit comes after its line).
	const slots = new Map<string, number>();
	const stage = {
		observe(ip: string, userAgent: string, path: string, extension: string, _status: string, referrer: string, seconds: number) {
			columns.botFound.length = 0;
			table.observe(ip, userAgent, lineKind(path, extension), referrer, seconds);
			const found = columns.botFound[0];
			slots.set(`${ip} ${userAgent}`, columns.botSlots[0]!);
			hold.observe(columns.botSlots[0]!, columns.botBits[0]!, found?.ip, found?.userAgent);
		},
		hold(ip: string, userAgent: string, seconds: number, item: number) {
			hold.hold(slots.get(`${ip} ${userAgent}`)!, seconds, item);
		},
		passes: (ip: string, userAgent: string, seconds: number) => hold.passes(slots.get(`${ip} ${userAgent}`)!, seconds),
		decideAll: () => hold.decideAll(),
		decideOldest: () => hold.decideOldest(),
	};
	return {stage, stats, released, dropped};
}

const browser = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/131.0';

test('memory is bounded: with many visitors at once, no more than maxHeld hits wait, and every hit comes out once', () => {
	const {stage, stats, released, dropped} = hold();
	let peak = 0;
	let item = 0;
	// 5,000 people in the same second, each with a page and its stylesheet: none is decided by time.
	for (let i = 0; i < 5000; i++) {
		const ip = `10.0.${i >> 8}.${i & 255}`;
		stage.observe(ip, browser, '/page', 'page', '200', '', 1000);
		stage.observe(ip, browser, '/app.css', 'css', '200', '', 1000);
		stage.hold(ip, browser, 1000, item++);
		peak = Math.max(peak, stats.held);
	}

	assert.ok(peak <= options.maxHeld + 1, `peak held ${peak}`);
	stage.decideAll();
	assert.equal(stats.held, 0);
	assert.equal(dropped.length, 0);
	assert.deepEqual(
		released.sort((a, b) => a - b),
		Array.from({length: item}, (_, i) => i),
	);
});

test("a person's hits wait for the window of log time, then go out in order", () => {
	const {stage, released} = hold();
	stage.observe('192.0.2.1', browser, '/', '', '200', 'https://www.google.com/', 0);
	stage.observe('192.0.2.1', browser, '/app.js', 'js', '304', 'https://shop.example.org/', 0);
	stage.hold('192.0.2.1', browser, 0, 1);
	stage.observe('192.0.2.1', browser, '/about', '', '200', 'https://shop.example.org/', 60);
	stage.hold('192.0.2.1', browser, 60, 2);
	stage.observe('192.0.2.2', browser, '/', '', '200', '', 1799);
	stage.hold('192.0.2.2', browser, 1799, 3);
	assert.deepEqual(released, []);
	stage.observe('192.0.2.2', browser, '/x', '', '200', '', 1800);
	stage.hold('192.0.2.2', browser, 1800, 4);
	assert.deepEqual(released, [1, 2]);
	// Decided a person: its next hit goes straight through (the sink need not keep it); an undecided one's does not.
	assert.equal(stage.passes('192.0.2.2', browser, 1800), false);
	stage.observe('192.0.2.1', browser, '/contact', '', '200', 'https://shop.example.org/', 1900);
	assert.equal(stage.passes('192.0.2.1', browser, 1900), true);
	stage.hold('192.0.2.1', browser, 1900, 5);
	assert.deepEqual(released, [1, 2, 5]);
});

test('robots.txt decides at once; a person whose later requests give it away loses only the later hits', () => {
	const {stage, stats, released, dropped} = hold();
	stage.observe('198.51.100.1', browser, '/robots.txt', 'txt', '200', '', 0);
	stage.observe('198.51.100.1', browser, '/a', '', '200', '', 1);
	assert.equal(stage.passes('198.51.100.1', browser, 1), false);
	stage.hold('198.51.100.1', browser, 1, 1);
	assert.deepEqual(dropped, [1]);
	assert.deepEqual(stats.byReason, {'robots.txt': 1});

	stage.observe('198.51.100.2', browser, '/a', '', '200', 'https://www.google.com/', 10);
	stage.observe('198.51.100.2', browser, '/a.css', 'css', '200', '', 10);
	stage.hold('198.51.100.2', browser, 10, 2);
	stage.decideAll();
	assert.deepEqual(released, [2]);
	// A page a second, by address: no person reads that fast.
	for (let i = 0; i < 12; i++) {
		stage.observe('198.51.100.2', browser, `/p${i}`, '', '200', '', 100 + i);
		stage.hold('198.51.100.2', browser, 100 + i, 10 + i);
	}

	assert.ok(released.length < 13 && dropped.length > 1);
	assert.equal(stats.visitors, 2);
	assert.equal((stats.byReason as Record<string, number>)['request rate'], 1);
	assert.equal(released.length + dropped.length, 14);
});

test('the visitors remembered are bounded: the oldest is decided and forgotten', () => {
	const {stage, released} = hold({}, 10);
	for (let i = 0; i < 50; i++) {
		stage.observe(`10.1.0.${i}`, browser, '/', '', '200', 'https://www.google.com/', 0);
		stage.hold(`10.1.0.${i}`, browser, 0, i);
	}

	// Forgotten ones were decided (released) on the way out; the last ten still wait.
	assert.equal(released.length, 40);
});

test('short of room for held bytes, the visitor held longest is decided first, one at a time', () => {
	const {stage, released} = hold();
	for (let i = 0; i < 3; i++) {
		const ip = `10.2.0.${i}`;
		stage.observe(ip, browser, '/', '', '200', 'https://www.google.com/', 10 + i);
		stage.observe(ip, browser, '/app.css', 'css', '200', '', 10 + i);
		stage.hold(ip, browser, 10 + i, i * 10);
		stage.hold(ip, browser, 10 + i, i * 10 + 1);
	}

	assert.deepEqual(released, []);
	assert.equal(stage.decideOldest(), true);
	assert.deepEqual(released, [0, 1]);
	assert.equal(stage.decideOldest(), true);
	assert.equal(stage.decideOldest(), true);
	assert.deepEqual(released, [0, 1, 10, 11, 20, 21]);
	assert.equal(stage.decideOldest(), false);
});
