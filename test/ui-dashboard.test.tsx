/** @jsxRuntime automatic */
/**
 * The dashboard rendering real import runs against the Matomo test double (slowed down so they can be watched):
 * rates, the skipped breakdown, error samples printed above the live panels, the keys (p, +/-, e, q, Ctrl+C),
 * signals, the summary; colours on and off (NO_COLOR), 80 columns and resizes. Plus the small pure pieces.
 */
// Colours are decided when chalk loads: force them on, so that "off" can be seen to be off.
process.env.FORCE_COLOR = '1';

import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import type {ReactElement} from 'react';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {nextCall, press, screen, shows, until, type Instance} from './ink-helpers.js';
import {combinedLine, configFrom, tempDir, writeLog} from './helpers.js';
import {createClient} from '../source/record/connect.js';
import {ImportRun} from '../source/run/import-run.js';
import {createInputProgress, createRunState, type RunState} from '../source/core/run-state.js';
import type {LogItem} from '../source/ui/samples-panel.js';

const {useRef, useState} = await import('react');
const {render} = await import('ink-testing-library');
const {Dashboard} = await import('../source/ui/dashboard.js');
const {SamplesPanel, SampleFeed} = await import('../source/ui/samples-panel.js');
const {App} = await import('../source/ui/app.js');
const {ThemeContext, createTheme} = await import('../source/ui/theme.js');
const {useTerminalSize} = await import('../source/ui/use-terminal-size.js');
const {sparkline} = await import('../source/ui/sparkline.js');
const {currentRate, rateSeries, sampleOf} = await import('../source/ui/use-run-snapshot.js');
const {overallEta} = await import('../source/ui/progress-panel.js');
const {skippedRows} = await import('../source/ui/skipped-panel.js');
const {previewColumns} = await import('../source/ui/format-preview.js');

const token = 'dashboard-token-51ab';
let matomo: MatomoDouble;
const instances: Instance[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

before(async () => {
	process.env.XDG_STATE_HOME = tempDir('mli-ui-state-');
	matomo = await startMatomoDouble({token, sites: [{idsite: 1, name: 'Main', main_url: 'http://www.example.com'}]});
});

after(async () => {
	for (const instance of instances) instance.unmount();
	for (const cleanup of cleanups) await cleanup();
	await matomo.close();
});

function show(element: ReactElement): Instance {
	const instance = render(element);
	instances.push(instance);
	return instance;
}

/** A log with a bit of everything the skipped panel counts, and junk lines for the samples. */
let logs = 0;

function mixedLog(rounds: number): string {
	// A first line of its own: the checkpoints know files by their content, and each test wants a fresh import.
	const lines: string[] = [combinedLine({path: `/log-${++logs}-${process.pid}`})];
	for (let i = 0; i < rounds; i++) {
		const ip = `198.51.100.${i % 250}`;
		lines.push(
			combinedLine({ip, path: `/page/${i}`}),
			combinedLine({ip, path: `/article/${i}`, referrer: 'https://www.google.com/'}),
			combinedLine({ip, path: '/css/site.css'}),
			combinedLine({ip, path: '/missing', status: 404}),
			combinedLine({ip, path: '/old', status: 301}),
			combinedLine({ip, ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'}),
		);
		if (i % 10 === 0) lines.push(`junk line number ${i}`);
	}

	return writeLog(lines);
}

/** An import run of `file` into the double, started now; its client is closed after the tests. */
function startRun(file: string, extra: string[] = []) {
	const config = configFrom([
		`--url=${matomo.url}`,
		`--token-auth=${token}`,
		'--idsite=1',
		'--retry-delay=0.05',
		'--recorder-max-payload-size=20',
		...extra,
		file,
	]);
	const client = createClient(config, config.tokenAuth);
	const run = new ImportRun(config, {matomo: client});
	const outcome = run.run();
	cleanups.push(async () => {
		run.stop('abandon');
		await outcome.catch(() => undefined);
		await client.close();
	});
	return {run, outcome, config};
}

/** The dashboard as the app shows it: the log of samples above, the live panels below, the terminal's size. */
function Harness({run, color = false, onStop}: {readonly run: ImportRun; readonly color?: boolean; readonly onStop?: (how: 'q' | 'ctrl-c') => void}) {
	const [log, setLog] = useState<LogItem[]>([]);
	const feed = useRef(new SampleFeed()).current;
	const {columns, rows} = useTerminalSize();
	return (
		<ThemeContext.Provider value={createTheme(color)}>
			<SamplesPanel items={log} width={columns} />
			<Dashboard
				run={run}
				target="Matomo at the double, site 1"
				sizes={new Map()}
				width={columns}
				rows={rows}
				feed={feed}
				refreshMs={50}
				stopping={false}
				onLog={items => {
					setLog(previous => [...previous, ...items]);
				}}
				onStop={how => onStop?.(how)}
			/>
		</ThemeContext.Provider>
	);
}

function setSize(instance: Instance, columns: number, rows: number): void {
	Object.defineProperty(instance.stdout, 'columns', {value: columns, configurable: true});
	Object.defineProperty(instance.stdout, 'rows', {value: rows, configurable: true});
	instance.stdout.emit('resize');
}

// ----- Pure pieces ----------------------------------------------------------------------------------------------

test('sparkline: eight heights scaled to the largest value, blank for nothing', () => {
	assert.equal(sparkline([0, 1, 2, 4, 8]), ' ▂▃▅█');
	assert.equal(sparkline([0, 0]), '  ');
	assert.equal(sparkline([5, 5]), '██');
});

test('rates: "now" over the last seconds, a per-second series for the sparkline', () => {
	const history = [
		{at: 0, lines: 0, hits: 0, bytes: 0},
		{at: 1000, lines: 100, hits: 10, bytes: 0},
		{at: 2000, lines: 300, hits: 30, bytes: 0},
		{at: 3000, lines: 600, hits: 60, bytes: 0},
	];
	assert.equal(currentRate(history, 'lines', 2000), 250);
	assert.deepEqual(rateSeries(history, 3000, 'lines', 4), [0, 100, 200, 300]);
	const state = createRunState(false);
	state.counters.linesRead = 7;
	state.inputs = [{...inputOf(0), bytesRead: 40}];
	assert.deepEqual(sampleOf(state, 5), {at: 5, lines: 7, hits: 0, bytes: 40});
});

function inputOf(id: number): RunState['inputs'][number] {
	return createInputProgress({id, displayName: `f${id}.log`, path: `/logs/f${id}.log`});
}

test('overall ETA: from the bytes read so far, with the sizes the wizard knew for files not opened yet', () => {
	const state = createRunState(false);
	state.startedAt = 0;
	state.inputs = [{...inputOf(0), phase: 'done', bytesRead: 1000, size: 1000}, {...inputOf(1), phase: 'reading', bytesRead: 1000, size: 2000}, inputOf(2)];
	// 2000 bytes in 10 s; 1000 + 2000 left at 200 B/s.
	assert.equal(overallEta(state, new Map([['/logs/f2.log', 2000]]), 10_000), 15);
	assert.equal(overallEta(state, new Map(), 10_000), null, 'a size unknown: no ETA rather than a wrong one');
});

test('ETA after a resume: counted from where the import resumed, not from the start of the file', () => {
	const state = createRunState(false);
	state.startedAt = 0;
	// Resumed at byte 52,380 of 300,000; 10,000 bytes read in this run's 10 s: 237,620 left at 1,000 B/s.
	state.inputs = [{...inputOf(0), phase: 'reading', compression: 'none', size: 300_000, startOffset: 52_380, bytesRead: 62_380, startedAt: 0}];
	assert.equal(Math.round(overallEta(state, new Map(), 10_000)!), 238);
});

test('recorders: one at a time with two lanes is not "2 batches in flight"; --recorders=1 says why + cannot add', async () => {
	const {RecordersPanel} = await import('../source/ui/recorders-panel.js');
	const state = createRunState(false);
	const lane = (id: number, phase: 'sending' | 'waiting' | 'idle') => ({
		id,
		phase,
		queued: 0,
		inFlight: phase === 'idle' ? 0 : 200,
		requests: 1,
		hitsSent: 0,
		retries: 0,
		lastLatencyMs: null,
		attempt: phase === 'idle' ? 0 : 1,
		retryAt: null,
	});
	state.lanes = [lane(0, 'sending'), lane(1, 'waiting')];
	const two = render(<RecordersPanel state={state} concurrency={1} width={96} />);
	assert.match(screen(two), /Recorders 1 of 2 at a time · 1 request in flight · 1 waiting for a slot/);
	state.lanes = [lane(0, 'sending')];
	const one = render(<RecordersPanel state={state} concurrency={1} width={96} />);
	assert.match(screen(one).replace(/\s+/g, ' '), /\+ cannot add: --recorders=1 sends in log order/);
});

test('skipped rows: only the reasons that happened, the largest first', () => {
	const state = createRunState(false);
	state.counters.skipped.static = 3;
	state.counters.skipped.bot = 9;
	assert.deepEqual(
		skippedRows(state).map(row => [row.label, row.count]),
		[
			['bots, search engines…', 9],
			['static resources', 3],
		],
	);
});

test('the format preview fits the width it is given', () => {
	for (const width of [60, 80, 100, 160]) {
		const used = previewColumns(width).reduce((sum, column) => sum + column.width + 1, 2);
		assert.ok(used <= width, `${used} > ${width}`);
	}
});

// ----- The dashboard on real runs -------------------------------------------------------------------------------

test('dashboard: rates, skipped lines by reason, error samples above; e, p, + and - act on the run', async () => {
	matomo.reset();
	// Slow answers and a few 500s: the run lasts long enough to watch, and Matomo errors show up.
	matomo.setFaults([
		{kind: '500', times: 2},
		{kind: 'slow', ms: 150},
	]);
	const {run, outcome} = startRun(mixedLog(300), ['--recorders=2']);
	const stop = nextCall<['q' | 'ctrl-c']>();
	const instance = show(<Harness run={run} onStop={stop.callback} />);
	setSize(instance, 100, 40);
	let text = await shows(instance, /Hits recorded +\d+(\.\d)?\/s now +\d+(\.\d)?\/s avg/);
	assert.match(text, /Lines read +[\d.k]+\/s now +[\d.k]+\/s avg/);
	text = await shows(instance, /HTTP errors +[\d,]+ +\d+(\.\d)?%/);
	assert.match(text, /Skipped lines +[\d,]+, \d+(\.\d)?% of the lines read/);
	assert.match(text, /static resources +[\d,]+ +\d/);
	assert.match(text, /bots, search engines… +[\d,]+ +\d/);
	assert.match(text, /HTTP redirects +[\d,]+ +\d/);
	assert.match(text, /Recorders 2 of 4 at a time · \d requests? in flight/);
	assert.match(text, /\+ up to 4 · - down to 1/);
	// The samples: printed once, above the box; the rest counted, `e` prints more.
	const printed = (screenText: string) => screenText.split('\n').filter(line => /^✗ .*line did not match: junk line number/.test(line)).length;
	text = await until(
		instance,
		screenText => printed(screenText) === 5 && screenText.includes('25 more invalid lines not shown (e: show more)'),
		'the first 5 samples',
	);
	assert.ok(text.indexOf('✗ ') < text.indexOf('╭'), 'samples above the live panels');
	text = await shows(instance, /⚠ Matomo HTTP 500, attempt 1 of 3, will retry/);
	await press(instance, 'e');
	text = await until(instance, screenText => printed(screenText) === 15, '10 more samples');
	// p pauses reading (the lines stop moving), p resumes.
	await press(instance, 'p');
	text = await shows(instance, 'paused: p resumes reading');
	assert.match(text, /p resume ·/);
	await press(instance, 'p');
	await shows(instance, /│ importing/);
	await press(instance, '+');
	await shows(instance, 'Recorders 3 of 4 at a time');
	assert.equal(run.concurrency, 3);
	// + stops at the lanes the run started with, and says so.
	await press(instance, '+', '+');
	text = await shows(instance, /\+ stops at 4, the lanes this run started with/);
	assert.equal(run.concurrency, 4);
	await press(instance, '-', '-', '-');
	await shows(instance, 'Recorders 1 of 4 at a time');
	assert.equal(run.concurrency, 1);
	// ? lists every key; the footer fits 60 columns.
	assert.ok(
		screen(instance)
			.split('\n')
			.some(line => line.trim() === 'p pause · +/- recorders · e errors · q stop · ? help'),
	);
	assert.ok('p pause · +/- recorders · e errors · q stop · ? help'.length <= 60);
	await press(instance, '?');
	text = await shows(instance, 'print more error samples above');
	assert.match(text, /Ctrl\+C +the same; a second time: stop at once/);
	await press(instance, 'q');
	assert.deepEqual(await stop.promise, ['q']);
	matomo.clearFaults();
	run.stop('graceful');
	await outcome;
});

test('dashboard: no colour with NO_COLOR/--no-color, colours otherwise; 80 columns, and resizes followed', async () => {
	matomo.reset();
	matomo.setFaults([{kind: 'slow', ms: 100}]);
	const colourCode = /\u001B\[(3[0-79]|9[0-7]|38;|4[0-79]|10[0-7])[;m]/;
	const plain = startRun(mixedLog(80));
	const noColour = show(<Harness run={plain.run} color={false} />);
	setSize(noColour, 80, 24);
	await shows(noColour, 'Skipped lines');
	await shows(noColour, 'more invalid lines not shown');
	assert.ok(!noColour.frames.some(frame => colourCode.test(frame)), 'not one colour escape');
	const lines = screen(noColour).split('\n');
	assert.ok(
		lines.every(line => [...line].length <= 80),
		`wider than 80:\n${lines.filter(line => [...line].length > 80).join('\n')}`,
	);
	// A narrower terminal: the panels follow.
	setSize(noColour, 60, 24);
	// (The samples printed before keep the width they were printed with: only the live area follows.)
	const live = (text: string) => text.slice(text.indexOf('╭')).split('\n');
	await until(noColour, text => text.includes('╭') && live(text).every(line => [...line].length <= 60), 'the 60-column layout');
	noColour.unmount();
	plain.run.stop('graceful');

	const coloured = startRun(mixedLog(50));
	const withColour = show(<Harness run={coloured.run} color />);
	await shows(withColour, 'Skipped lines');
	assert.ok(
		withColour.frames.some(frame => colourCode.test(frame)),
		'colours when allowed',
	);
	withColour.unmount();
	coloured.run.stop('graceful');
	matomo.clearFaults();
	await Promise.all([plain.outcome, coloured.outcome]);
});

// ----- Stopping, through the app --------------------------------------------------------------------------------

/** The app with every answer given as flags: the wizard goes straight to the review; Enter starts. */
async function startApp(file: string, options: {signals?: EventEmitter; payload?: number} = {}) {
	const exit = nextCall<[number, boolean]>();
	const given = new Map<string, string | boolean>([
		['url', matomo.url],
		['idsite', '1'],
		['log-format-name', 'ncsa_extended'],
		['recorders', '2'],
		['recorder-max-payload-size', String(options.payload ?? 20)],
	]);
	const instance = show(
		<App
			given={given}
			files={[file]}
			env={{MATOMO_TOKEN_AUTH: token}}
			cwd={tempDir()}
			color={false}
			refreshMs={50}
			signals={options.signals}
			onExit={exit.callback}
		/>,
	);
	await shows(instance, 'Step 5 of 5: Review');
	await press(instance, '\r');
	await shows(instance, /Hits recorded +[\d.k]+\/s/);
	await until(instance, text => /[1-9][\d,]* hits recorded/.test(text), 'some hits recorded');
	return {instance, exit: exit.promise};
}

test('q stops gracefully: the batches in flight are finished, then the summary', async () => {
	matomo.reset();
	matomo.setFaults([{kind: 'slow', ms: 200}]);
	// More hits than the recorders queue (1000): reading waits for Matomo, so a stop leaves lines unread.
	const {instance, exit} = await startApp(mixedLog(2000), {payload: 100});
	await press(instance, 'q');
	await shows(instance, 'stopping: finishing the batches in flight');
	const [code, immediate] = await exit;
	assert.equal(code, 130);
	assert.equal(immediate, false);
	const text = await shows(instance, 'Logs import summary');
	assert.match(text, /Stopped\./);
	const imported = Number(/(\d+) requests imported successfully/.exec(text)![1]);
	// Every batch sent was finished and counted: Matomo has exactly what the summary says.
	assert.equal(matomo.received.length, imported);
	assert.ok(imported > 0 && imported < 2000 * 2, String(imported));
	matomo.clearFaults();
});

test('Ctrl+C stops gracefully, a second Ctrl+C leaves at once', async () => {
	matomo.reset();
	matomo.setFaults([{kind: 'slow', ms: 2000}]);
	const {instance, exit} = await startApp(mixedLog(400));
	await press(instance, '\u0003');
	await shows(instance, 'Ctrl+C again: stop at once');
	const started = Date.now();
	await press(instance, '\u0003');
	const [code, immediate] = await exit;
	assert.equal(code, 130);
	assert.equal(immediate, true);
	assert.ok(Date.now() - started < 1500, 'without waiting for the slow answers');
	matomo.clearFaults();
});

test('SIGTERM while importing: a graceful stop with exit code 143', async () => {
	matomo.reset();
	matomo.setFaults([{kind: 'slow', ms: 100}]);
	const signals = new EventEmitter();
	const {instance, exit} = await startApp(mixedLog(400), {signals});
	signals.emit('interrupt', 143);
	const [code] = await exit;
	assert.equal(code, 143);
	const text = await shows(instance, 'Logs import summary');
	assert.match(text, /Stopped\./);
	matomo.clearFaults();
});
