/**
 * Imports into a real Matomo (MATOMO_URL + MATOMO_TOKEN, else ../shared/matomo/start), for `npm run bench`: the same
 * generated log at each recorder count, each into a fresh site, timing the built CLI. Matomo is the limit there, so
 * what matters is keeping it busy without tuning (`auto` close to the best fixed count) and leaving it the CPU (the
 * importer's own CPU time, from the kernel's accounting of the child, as a fraction of the wall time).
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {acquireMatomo, addSite, type Matomo} from '../test/real-matomo/matomo.js';
import {ensureLog} from './generate-log.js';

const TIME = '/usr/bin/time';
const GOAL = {autoWithinOfBest: 0.05, cpuOfWall: 0.1};

export interface RealRow {
	recorders: string;
	hits: number;
	wall: number;
	cpu: number | null;
	code: number | null;
}

/** One import of `log` into a fresh site; the importer's user + system CPU from GNU time (or /proc, polled). */
async function importOnce(matomo: Matomo, cli: string[], log: string, recorders: string): Promise<RealRow> {
	const idSite = await addSite(matomo, `bench recorders=${recorders}`);
	const state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mli-bench-state-')), 'state.json');
	const timeFile = path.join(os.tmpdir(), `mli-bench-time-${process.pid}.txt`);
	const command = [...cli, '--yes', '--json', `--url=${matomo.url}`, `--idsite=${idSite}`, `--recorders=${recorders}`, `--state-file=${state}`, log];
	const useTime = fs.existsSync(TIME);
	const argv = useTime ? [TIME, '-f', '%U %S', '-o', timeFile, ...command] : command;
	const started = performance.now();
	const child = spawn(argv[0]!, argv.slice(1), {
		env: {...process.env, MATOMO_TOKEN_AUTH: matomo.token, CI: '1'},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-5000)));
	let polled: number | null = null;
	const poll = useTime
		? undefined
		: setInterval(() => {
				try {
					const fields = fs
						.readFileSync(`/proc/${child.pid}/stat`, 'utf8')
						.replace(/^.*\) /, '')
						.split(' ');
					polled = (Number(fields[11]) + Number(fields[12])) / 100;
				} catch {}
			}, 100);
	const code = await new Promise<number | null>(resolve => child.on('close', resolve));
	const wall = (performance.now() - started) / 1000;
	if (poll) clearInterval(poll);
	let cpu = polled as number | null;
	if (useTime && fs.existsSync(timeFile)) {
		const last = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
		fs.rmSync(timeFile);
		if (last.length === 2 && last.every(Number.isFinite)) cpu = last[0]! + last[1]!;
	}

	fs.rmSync(path.dirname(state), {recursive: true, force: true});
	const line = stdout
		.trim()
		.split('\n')
		.findLast(text => text.startsWith('{'));
	const hits = line ? Number((JSON.parse(line) as {imported: number}).imported) : 0;
	if (code !== 0) process.stderr.write(`bench: real Matomo, --recorders=${recorders}: exit ${code}\n${stderr}\n`);
	return {recorders, hits, wall, cpu, code};
}

/** The real-Matomo section of the benchmark (markdown), or one line saying why it was skipped. */
export async function benchRealMatomo(cli: string[], lines: number, recorders: readonly string[]): Promise<string> {
	const found = await acquireMatomo();
	if (found.matomo === undefined) return `## Into a real Matomo\n\n${found.skip.replace('real-Matomo tests', 'real-Matomo benchmark')}\n`;
	const matomo = found.matomo;
	try {
		const log = ensureLog(lines);
		const rows: RealRow[] = [];
		for (const n of recorders) rows.push(await importOnce(matomo, cli, log, n));
		return report(rows, lines, matomo);
	} finally {
		await matomo.stop();
	}
}

function report(rows: readonly RealRow[], lines: number, matomo: Matomo): string {
	const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: digits});
	const rate = (row: RealRow) => row.hits / row.wall;
	const out = [
		`## Into a real Matomo (${matomo.dir ? 'started by ../shared/matomo/start, on this machine' : matomo.url})`,
		'',
		`${fmt(lines)} generated lines, each run into a fresh site.`,
		'',
		'| recorders | hits | wall s | hits/s | importer CPU s | CPU / wall | exit |',
		'| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
		...rows.map(
			row =>
				`| ${row.recorders} | ${fmt(row.hits)} | ${fmt(row.wall, 1)} | ${fmt(rate(row))} | ${row.cpu === null ? '–' : fmt(row.cpu, 2)} | ${row.cpu === null ? '–' : `${fmt((100 * row.cpu) / row.wall, 1)}%`} | ${row.code} |`,
		),
	];
	const fixed = rows.filter(row => row.recorders !== 'auto' && row.code === 0);
	const auto = rows.find(row => row.recorders === 'auto' && row.code === 0);
	const best = fixed.length > 0 ? fixed.reduce((a, b) => (rate(b) > rate(a) ? b : a)) : undefined;
	out.push('', '| goal | measured | met |', '| --- | --- | --- |');
	if (best && auto) {
		const ratio = rate(auto) / rate(best);
		out.push(
			`| auto within ${GOAL.autoWithinOfBest * 100}% of the best fixed count | auto ${fmt(rate(auto))} hits/s = ${fmt(100 * ratio, 1)}% of ${best.recorders} (${fmt(rate(best))}) | ${ratio >= 1 - GOAL.autoWithinOfBest ? 'yes' : 'NO'} |`,
		);
	}

	const worst = Math.max(...rows.filter(row => row.cpu !== null).map(row => row.cpu! / row.wall));
	if (Number.isFinite(worst))
		out.push(`| importer CPU ≤ ${GOAL.cpuOfWall * 100}% of wall (every run) | at most ${fmt(100 * worst, 1)}% | ${worst <= GOAL.cpuOfWall ? 'yes' : 'NO'} |`);
	return out.join('\n') + '\n';
}
