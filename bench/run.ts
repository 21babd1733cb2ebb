/**
 * `npm run bench [-- --lines 1000000 --big 10000000 --runs 1 --recorders 1,4,8,auto --big-recorders auto --many 3000x100 --timeout S]`
 * `[--matomo-lines 20000 --matomo-recorders 1,2,4,auto]` (imports into a real Matomo when one is available: real-matomo.ts;
 * `--matomo-lines 0` to leave it out)
 *
 * Times the built CLI (dist/, rebuilt when older than source/ or formats/) on generated logs: a dry run (parse only)
 * and end-to-end runs into the Matomo double in count mode (its own process), then the same for a big log to show
 * that memory stays flat. Peak RSS comes from the OS (GNU time's %M, else /proc/<pid>/status VmHWM polled every
 * 20 ms). A benchmark, not a test: it exits 0 whatever the numbers, 1 only when something crashed.
 */
import {spawn, spawnSync} from 'node:child_process';
import {nodeFlags} from '../source/node-flags.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {ensureLog, OUT_DIR} from './generate-log.js';
import {cpuSeconds, machineBusySeconds, settle} from './machine.js';
import {benchRealMatomo} from './real-matomo.js';
import {ensureGzipped, ensureManyFiles, parseManySpec} from './many-files.js';

const ROOT = path.resolve(OUT_DIR, '..', '..');
const CLI = path.join(ROOT, 'dist/source/cli.js');
/** Applies the program's V8 tuning before cli.js loads, as bin.js does. */
const TUNE = path.join(ROOT, 'bench/tune-v8.mjs');
const TIME = '/usr/bin/time';
const TOKEN = 'bench-token';
const STATE_DIR = path.join(OUT_DIR, 'state');
const TARGET = {dryRunSeconds: 1.2, hitsPerSecond: 8 * 21_000, rssMB: 120};

const {values: opts} = parseArgs({
	options: {
		lines: {type: 'string', default: '1000000'},
		big: {type: 'string', default: '10000000'},
		runs: {type: 'string', default: '1'},
		recorders: {type: 'string', default: '1,4,8,auto'},
		'big-recorders': {type: 'string', default: 'auto'},
		/** Levels of --bot-detection to time end to end (with --recorders=auto), beside the default (reference). */
		'bot-detection': {type: 'string', default: 'behavior'},
		/** Per child process, in seconds; default 30 s + 90 s per million lines. */
		timeout: {type: 'string'},
		/** Before each run, wait up to this many seconds for the other processes to leave the CPUs alone. */
		settle: {type: 'string', default: '30'},
		'matomo-lines': {type: 'string', default: '20000'},
		'matomo-recorders': {type: 'string', default: '1,2,4,auto'},
		/** Many small files (FILESxLINES, comma-separated; '' for none): against one file of the same lines, and re-runs. */
		many: {type: 'string', default: '3000x100'},
	},
	strict: true,
});
const LINES = Number(opts.lines);
const BIG = Number(opts.big);
const RUNS = Math.max(1, Number(opts.runs));
for (const name of ['lines', 'big', 'runs', 'settle', 'timeout'] as const) {
	const value = opts[name];
	if (value !== undefined && !(Number(value) >= 0)) {
		process.stderr.write(`bench: --${name} must be a number, not '${value}'\n`);
		process.exit(2);
	}
}
let crashed = false;

/**
 * The program as the installed command runs it (bin.ts): cli.js in a Node process with the program's flags and its
 * V8 tuning. Started directly, not through bin.js, so that the process measured is the one that imports.
 */
function programCommand(): string[] {
	return [process.execPath, ...nodeFlags, '--import', TUNE, CLI];
}

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

interface Measured {
	code: number | null;
	wall: number;
	/** User + system CPU seconds (GNU time only). */
	cpu: number | null;
	rssMB: number | null;
	stdout: string;
	stderr: string;
	timedOut: boolean;
}

/** Runs one command in its own process group, killed (the group) after `timeoutMs`. */
function measure(command: string[], timeoutMs: number): Promise<Measured> {
	const useTime = fs.existsSync(TIME);
	const timeFile = path.join(OUT_DIR, `time-${process.pid}.txt`);
	const argv = useTime ? [TIME, '-f', '%M %e %U %S', '-o', timeFile, ...command] : command;
	// A fresh state directory per run: every run is a new import (no resume), and nothing lands in ~/.local/state.
	fs.rmSync(STATE_DIR, {recursive: true, force: true});
	const env = {...process.env, XDG_STATE_HOME: STATE_DIR};
	const started = performance.now();
	const child = spawn(argv[0], argv.slice(1), {cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
	child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk).slice(-20_000)));
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		try {
			process.kill(-child.pid!, 'SIGKILL');
		} catch {
			// already gone
		}
	}, timeoutMs);
	// Without GNU time: the high-water mark of the child itself, as the kernel keeps it.
	let hwmKB = 0;
	const poll = useTime
		? undefined
		: setInterval(() => {
				try {
					const match = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
					if (match) hwmKB = Math.max(hwmKB, Number(match[1]));
				} catch {
					// exited between two polls
				}
			}, 20);
	return new Promise(resolve => {
		child.on('close', code => {
			const wall = (performance.now() - started) / 1000;
			clearTimeout(timer);
			if (poll) clearInterval(poll);
			let cpu: number | null = null;
			let rssMB: number | null = hwmKB ? hwmKB / 1024 : null;
			if (useTime && fs.existsSync(timeFile)) {
				// The last line is ours; GNU time puts "Command exited with non-zero status N" before it.
				const last = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
				fs.rmSync(timeFile);
				if (last.length === 4 && last.every(Number.isFinite)) {
					rssMB = last[0] / 1024;
					cpu = last[2] + last[3];
				}
			}
			fs.rmSync(STATE_DIR, {recursive: true, force: true});
			resolve({code, wall, cpu, rssMB, stdout, stderr, timedOut});
		});
	});
}

interface Double {
	port: number;
	/** User + system CPU seconds used so far. */
	cpu(): number | null;
	/** SIGTERM, then the counts it prints on stderr. */
	stop(): Promise<{hits: number; violations: number} | null>;
}

function startDouble(): Promise<Double> {
	const child = spawn(process.execPath, ['--import', 'tsx', 'test/matomo-double-cli.ts', '--mode', 'count', '--token', TOKEN], {
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
	const exited = new Promise<void>(resolve => child.on('close', () => resolve()));
	const stop = async () => {
		child.kill('SIGTERM');
		const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
		await exited;
		clearTimeout(killer);
		try {
			return JSON.parse(stderr.trim().split('\n').pop() ?? '') as {hits: number; violations: number};
		} catch {
			return null;
		}
	};
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`the Matomo double did not start in 30 s: ${stderr}`));
		}, 30_000);
		let stdout = '';
		child.stdout.on('data', (chunk: Buffer) => {
			stdout += chunk;
			const match = /PORT (\d+)/.exec(stdout);
			if (match) {
				clearTimeout(timer);
				resolve({port: Number(match[1]), cpu: () => cpuSeconds(child.pid), stop});
			}
		});
		child.on('close', code => reject(new Error(`the Matomo double exited (${code}): ${stderr}`)));
	});
}

interface Row {
	log: string;
	run: string;
	lines: number;
	/** Median and fastest of the runs. */
	wall: number;
	minWall: number;
	cpu: number | null;
	rssMB: number | null;
	/** Hits the importer says it imported; hits the double counted (end-to-end only). */
	imported: number | null;
	counted: number | null;
	/** CPU seconds of the double during the import. */
	doubleCpu: number | null;
	/** CPU seconds used by other processes during the import: more than a few tenths means a disturbed run. */
	otherCpu: number | null;
	note: string;
	endToEnd: boolean;
	/** Median of this run's wall over its paired run's (see `bench`). */
	pairedRatio?: number;
}
const rows: Row[] = [];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const medianOrNull = (values: number[]) => (values.length ? median(values) : null);
const importedOf = (stdout: string) => {
	const match = /(\d+) requests imported successfully/.exec(stdout);
	return match ? Number(match[1]) : null;
};

/** One run of the program on `file` (end to end: into a fresh double), on a settled machine. */
async function runOnce(file: string, args: string[], endToEnd: boolean, timeoutMs: number) {
	const double = endToEnd ? await startDouble() : undefined;
	const extra = double ? [`--url=http://127.0.0.1:${double.port}`, `--token-auth=${TOKEN}`] : [];
	await settle(Number(opts.settle));
	const busyBefore = machineBusySeconds();
	const doubleBefore = double?.cpu() ?? null;
	const m = await measure([...programCommand(), '--yes', '--idsite=1', ...extra, ...args, file], timeoutMs);
	const busy = machineBusySeconds() - busyBefore;
	const doubleCpu = double && doubleBefore !== null ? (double.cpu() ?? doubleBefore) - doubleBefore : null;
	const stats = await double?.stop();
	return {m, busy, doubleCpu, stats};
}

/**
 * `runs` measurements of one configuration: median wall and CPU, highest RSS. With `pairedWith`, each run comes
 * right after a run of those arguments, and the row keeps the median ratio of the two walls: a target that is a
 * ratio is then measured on runs that met the same spell of a shared machine.
 */
async function bench(
	label: string,
	run: string,
	file: string,
	lines: number,
	args: string[],
	endToEnd: boolean,
	beforeEach?: () => void,
	pairedWith?: string[],
): Promise<void> {
	const timeoutMs = (opts.timeout ? Number(opts.timeout) : 30 + (90 * lines) / 1e6) * 1000;
	const walls: number[] = [];
	const cpus: number[] = [];
	const doubleCpus: number[] = [];
	const otherCpus: number[] = [];
	let rss: number | null = null;
	let imported: number | null = null;
	let counted: number | null = null;
	const notes: string[] = [];
	const ratios: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		let pairedWall: number | undefined;
		if (pairedWith) {
			log(`${label} ${pairedWith.join(' ')}, paired with ${run} (${i + 1}/${RUNS})`);
			const paired = await runOnce(file, pairedWith, endToEnd, timeoutMs);
			if (!paired.m.timedOut && paired.m.code === 0) pairedWall = paired.m.wall;
		}

		log(`${label} ${run} (${i + 1}/${RUNS})`);
		beforeEach?.();
		const {m, busy, doubleCpu, stats} = await runOnce(file, args, endToEnd, timeoutMs);
		if (m.timedOut || m.code !== 0) {
			const why = m.timedOut ? `timed out after ${timeoutMs / 1000} s` : `exit ${m.code}`;
			const usage = m.code === 2 && /recorders/.test(m.stderr);
			notes.push(usage ? 'not accepted by the CLI' : `FAILED: ${why}`);
			if (!usage) {
				crashed = true;
				log(`${run} ${why}\n${m.stderr.slice(-2000)}`);
			}
			break;
		}
		walls.push(m.wall);
		if (pairedWall !== undefined) ratios.push(m.wall / pairedWall);
		if (m.cpu !== null) {
			cpus.push(m.cpu);
			otherCpus.push(Math.max(0, busy - m.cpu - (doubleCpu ?? 0)));
		}
		if (doubleCpu !== null) doubleCpus.push(doubleCpu);
		if (m.rssMB !== null) rss = Math.max(rss ?? 0, m.rssMB);
		imported = importedOf(m.stdout);
		if (stats) {
			counted = stats.hits;
			if (stats.hits !== imported) notes.push(`MISMATCH: double counted ${stats.hits}, importer says ${imported}`);
			if (stats.violations > 0) notes.push(`${stats.violations} protocol violations`);
		} else if (endToEnd) notes.push('no counts from the double');
	}
	rows.push({
		log: label,
		run,
		lines,
		wall: walls.length ? median(walls) : NaN,
		minWall: walls.length ? Math.min(...walls) : NaN,
		cpu: medianOrNull(cpus),
		rssMB: rss,
		imported,
		counted,
		doubleCpu: medianOrNull(doubleCpus),
		otherCpu: medianOrNull(otherCpus),
		note: [...new Set(notes)].join('; '),
		endToEnd,
		pairedRatio: ratios.length ? median(ratios) : undefined,
	});
}

function newestMtime(dir: string): number {
	let newest = 0;
	for (const entry of fs.readdirSync(dir, {withFileTypes: true, recursive: true})) {
		if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
	}
	return newest;
}

function buildIfStale(): void {
	const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
	const sources = Math.max(newestMtime(path.join(ROOT, 'source')), newestMtime(path.join(ROOT, 'formats')));
	if (built >= sources) return;
	log('dist/ is older than the sources: npm run build');
	const result = spawnSync('npm', ['run', 'build'], {cwd: ROOT, stdio: ['ignore', 2, 2], timeout: 300_000});
	const emitted = fs.existsSync(CLI) && fs.statSync(CLI).mtimeMs >= sources;
	if (result.status !== 0 && !emitted) {
		log('the build failed: not measuring a stale dist/');
		process.exit(1);
	}
	// tsc emits despite type errors: the JavaScript is current, the numbers are still worth having.
	if (result.status !== 0) buildWarning = 'built with type errors (tsc emitted anyway)';
}
let buildWarning = '';

/** Reads the file once so that every run finds it in the page cache. */
async function warm(file: string): Promise<void> {
	for await (const _ of fs.createReadStream(file, {highWaterMark: 1 << 20}));
}

async function logFor(lines: number): Promise<string> {
	const started = performance.now();
	const file = ensureLog(lines);
	const took = (performance.now() - started) / 1000;
	if (took > 1) log(`generated ${file} in ${took.toFixed(1)} s`);
	await warm(file);
	return file;
}

const fmt = (n: number | null, digits = 0) =>
	n === null || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits});
const short = (n: number) => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n));

function machine(): string {
	const cpus = os.cpus();
	const git = spawnSync('git', ['describe', '--always', '--dirty'], {cwd: ROOT, encoding: 'utf8'}).stdout?.trim();
	return [
		`- CPU: ${cpus[0]?.model ?? '?'}, ${cpus.length} cores (available parallelism ${os.availableParallelism()})`,
		`- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${os.type()} ${os.release()}`,
		`- Node ${process.version}; commit ${git || '?'}${buildWarning ? `, ${buildWarning}` : ''}`,
		`- Load average before the runs: ${loadBefore.map(n => n.toFixed(2)).join(' ')} (other work on the machine skews the numbers)`,
		`- Peak RSS: ${fs.existsSync(TIME) ? 'GNU time %M' : `${TIME} missing (apt package "time"): /proc/<pid>/status VmHWM polled every 20 ms`}`,
	].join('\n');
}

function table(): string {
	const out = [
		'| log | run | wall s | min s | lines/s | hits | hits/s | CPU s | peak RSS MB | double CPU s | other CPU s | note |',
		'|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
	];
	for (const r of rows) {
		const hits = r.endToEnd ? r.counted : r.imported;
		const rate = r.endToEnd ? fmt((hits ?? NaN) / r.wall) : '–';
		out.push(
			`| ${r.log} | ${r.run} | ${fmt(r.wall, 2)} | ${fmt(r.minWall, 2)} | ${fmt(r.lines / r.wall)} | ${fmt(hits)} | ${rate} ` +
				`| ${fmt(r.cpu, 2)} | ${fmt(r.rssMB)} | ${fmt(r.doubleCpu, 2)} | ${fmt(r.otherCpu, 2)} | ${r.note} |`,
		);
	}
	return out.join('\n');
}

function targets(): string {
	const ok = (met: boolean | undefined) => (met === undefined ? 'not measured' : met ? '**met**' : '**not met**');
	const main = short(LINES);
	const dry = rows.find(r => r.log === main && r.run === 'dry-run' && !Number.isNaN(r.wall));
	const e2e = rows.filter(r => r.log === main && r.endToEnd && r.counted !== null && !Number.isNaN(r.wall));
	const best = e2e.sort((a, b) => b.counted! / b.wall - a.counted! / a.wall)[0];
	const out = [
		'| target | measured | |',
		'|---|---|---|',
		`| ${main} dry-run ≤ ${TARGET.dryRunSeconds} s wall (15× the reference's 18 s for 1M) | ${dry ? `${fmt(dry.wall, 2)} s` : '–'} | ` +
			`${LINES === 1_000_000 ? ok(dry && dry.wall <= TARGET.dryRunSeconds) : 'n/a: the target is for 1M lines'} |`,
		`| ${main} end-to-end ≥ ${fmt(TARGET.hitsPerSecond)} hits/s (8× the reference's 21k) | ${best ? `${fmt(best.counted! / best.wall)} hits/s (${best.run})` : '–'} | ${ok(best && best.counted! / best.wall >= TARGET.hitsPerSecond)} |`,
	];
	const reference = rows.find(r => r.log === main && r.run === '--recorders=auto' && !Number.isNaN(r.wall));
	for (const row of rows.filter(r => r.log === main && r.run.startsWith('--bot-detection=') && !Number.isNaN(r.wall))) {
		// Each run against the reference's run just before it; without pairs, against the --recorders=auto row.
		const ratio = row.pairedRatio ?? (reference ? row.wall / reference.wall : undefined);
		const how = row.pairedRatio === undefined ? '' : ` (median of ${RUNS} paired run${RUNS === 1 ? '' : 's'})`;
		out.push(
			`| ${main} ${row.run} within 20% of --recorders=auto (reference) | ${ratio === undefined ? '–' : `${fmt(row.wall, 2)} s, ${fmt((ratio - 1) * 100)}%${how}`} | ${ok(ratio === undefined ? undefined : ratio <= 1.2)} |`,
		);
	}

	for (const many of rows.filter(r => r.run === 'many files, --recorders=auto' && !Number.isNaN(r.wall))) {
		const one = rows.find(r => r.run === 'one file, --recorders=auto' && r.lines === many.lines && !Number.isNaN(r.wall));
		const ratio = one ? many.wall / one.wall : undefined;
		out.push(
			`| ${many.log} files within 3× the time of one file of the same lines, peak RSS < 150 MB | ` +
				`${ratio === undefined ? '–' : `${fmt(ratio, 1)}×`}, ${many.rssMB === null ? '–' : `${fmt(many.rssMB)} MB`} | ` +
				`${ok(ratio === undefined ? undefined : ratio <= 3 && (many.rssMB ?? 0) < 150)} |`,
		);
	}

	for (const label of [...new Set(rows.map(r => r.log))].filter(l => l !== 'fixture')) {
		const peak = Math.max(...rows.filter(r => r.log === label && r.rssMB !== null).map(r => r.rssMB!));
		out.push(
			`| ${label} peak RSS < ${TARGET.rssMB} MB (every run) | ${Number.isFinite(peak) ? `${fmt(peak)} MB` : '–'} | ${ok(Number.isFinite(peak) ? peak < TARGET.rssMB : undefined)} |`,
		);
	}
	return out.join('\n');
}

const loadBefore = os.loadavg();

/**
 * Many small files against one file of the same lines (target: at most 3× the time, peak RSS under 150 MB), then
 * re-runs over what was imported: the many files, and a .gz of the same lines (known again without decompressing).
 */
async function benchManyFiles(spec: string): Promise<void> {
	const {files, perFile} = parseManySpec(spec);
	const total = files * perFile;
	const one = await logFor(total);
	const many = ensureManyFiles(files, perFile);
	const label = `${files}×${perFile}`;
	await bench(short(total), 'one file, --recorders=auto', one, total, ['--recorders=auto'], true);
	await bench(label, 'many files, --recorders=auto', many, total, ['--recorders=auto'], true);
	const state = path.join(OUT_DIR, `rerun-state-${files}x${perFile}.json`);
	const fresh = () => {
		for (const file of [state, `${state}.journal`, `${state}.lock`]) fs.rmSync(file, {force: true});
	};
	await bench(label, 'import (kept state)', many, total, ['--recorders=auto', `--state-file=${state}`], true, fresh);
	await bench(label, 're-run: all imported', many, total, ['--recorders=auto', `--state-file=${state}`], true);
	const gz = ensureGzipped(total);
	const gzState = path.join(OUT_DIR, `rerun-state-${short(total)}-gz.json`);
	await bench(`${short(total)} .gz`, 'import (kept state)', gz, total, ['--recorders=auto', `--state-file=${gzState}`], true, () => {
		for (const file of [gzState, `${gzState}.journal`, `${gzState}.lock`]) fs.rmSync(file, {force: true});
	});
	await bench(`${short(total)} .gz`, 're-run: imported', gz, total, ['--recorders=auto', `--state-file=${gzState}`], true);
}

async function main(): Promise<void> {
	buildIfStale();
	const recorders = opts.recorders.split(',').filter(Boolean);
	const fixture = path.join(ROOT, 'fixtures/sample-combined.log');
	const fixtureLines = fs.readFileSync(fixture, 'latin1').split('\n').filter(Boolean).length;
	await bench('fixture', 'dry-run (startup cost)', fixture, fixtureLines, ['--dry-run'], false);
	const file = await logFor(LINES);
	await bench(short(LINES), 'dry-run', file, LINES, ['--dry-run'], false);
	for (const n of recorders) await bench(short(LINES), `--recorders=${n}`, file, LINES, [`--recorders=${n}`], true);
	for (const spec of opts.many.split(',').filter(Boolean)) await benchManyFiles(spec);
	for (const level of opts['bot-detection'].split(',').filter(Boolean)) {
		await bench(short(LINES), `--bot-detection=${level} --recorders=auto`, file, LINES, [`--bot-detection=${level}`, '--recorders=auto'], true, undefined, [
			'--recorders=auto',
		]);
	}
	if (BIG > 0) {
		const big = await logFor(BIG);
		await bench(short(BIG), 'dry-run', big, BIG, ['--dry-run'], false);
		await bench(short(BIG), `--recorders=${opts['big-recorders']}`, big, BIG, [`--recorders=${opts['big-recorders']}`], true);
	}
	process.stdout.write(
		`## matomo-log-import benchmark\n\n${machine()}\n\n${table()}\n\n${targets()}\n\n` +
			`wall: process start to exit, median of ${RUNS} (min: the fastest); lines/s and hits/s use the median; ` +
			`hits: counted by the double (end-to-end), else the importer's "imported" count. CPU: user + system seconds of ` +
			`the importer; double CPU: of the double (its own process, same cores) during the import; other CPU: ` +
			`everything else on the machine meanwhile (noise).\n`,
	);
	fs.writeFileSync(path.join(OUT_DIR, 'last-run.json'), JSON.stringify({node: process.version, rows}, null, '\t'));
	if (Number(opts['matomo-lines']) > 0) {
		process.stdout.write('\n' + (await benchRealMatomo(programCommand(), Number(opts['matomo-lines']), opts['matomo-recorders'].split(',').filter(Boolean))));
	}
}

main().then(
	() => process.exit(crashed ? 1 : 0),
	(error: unknown) => {
		log(`crashed: ${error instanceof Error ? error.stack : String(error)}`);
		process.exit(1);
	},
);
