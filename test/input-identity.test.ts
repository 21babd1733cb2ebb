/**
 * Inputs recognised by what they are (issue 12): pipes read as streams (never reported empty, never blocking a
 * stop), the same file named twice imported once.
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {spawn, spawnSync} from 'node:child_process';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runCli, runImport, tempDir} from './helpers.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({token: 'test-token', now: () => Date.UTC(2024, 1, 11)});
});

after(async () => {
	await matomo.close();
});

function writeLog(file: string, count: number): void {
	const out: string[] = [];
	for (let i = 0; i < count; i++)
		out.push(
			combinedLine({
				ip: `10.8.0.${i % 250}`,
				path: `/i/${i}`,
				date: `10/Feb/2024:10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000`,
			}),
		);
	fs.writeFileSync(file, out.join('\n') + '\n');
}

function distinctReceived(): number {
	return new Set(matomo.received.map(hit => hit.params.url)).size;
}

const cli = path.resolve('source/cli.ts');

/** The CLI through bash, for `/dev/stdin` and `<(…)`. */
function runShell(script: string, env: NodeJS.ProcessEnv = {}): Promise<{code: number | null; stdout: string; stderr: string}> {
	return new Promise(resolve => {
		const child = spawn('bash', ['-c', script], {
			env: {...process.env, CI: 'true', CLI: `${process.execPath} --import tsx ${cli} --yes`, ...env},
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', data => {
			stdout += data;
		});
		child.stderr.on('data', data => {
			stderr += data;
		});
		child.on('exit', code => resolve({code, stdout, stderr}));
	});
}

const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

test('a named FIFO is read as a stream: every line imported, said once that it cannot be resumed', {skip: !hasMkfifo}, async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	writeLog(log, 120);
	const fifo = path.join(dir, 'pipe');
	spawnSync('mkfifo', [fifo]);
	const writer = spawn('sh', ['-c', `cat "${log}" > "${fifo}"`]);
	const result = await runCli([`--url=${matomo.url}`, '--token-auth=test-token', '--idsite=1', `--state-file=${path.join(dir, 'state.json')}`, fifo]);
	writer.kill();
	assert.equal(result.code, 0, result.stderr);
	assert.equal(distinctReceived(), 120);
	assert.equal(matomo.received.length, 120);
	assert.equal(result.stderr.match(/read as a stream/g)?.length, 1, result.stderr);
});

test('/dev/stdin when stdin is a pipe, and <(…), import every line', async () => {
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	writeLog(log, 80);
	const common = `--url=${matomo.url} --token-auth=test-token --idsite=1 --state-file=${path.join(dir, 'state.json')}`;
	matomo.reset();
	const stdin = await runShell(`cat "${log}" | $CLI ${common} /dev/stdin`);
	assert.equal(stdin.code, 0, stdin.stderr);
	assert.equal(matomo.received.length, 80);
	matomo.reset();
	const substituted = await runShell(`$CLI ${common} <(cat "${log}")`);
	assert.equal(substituted.code, 0, substituted.stderr);
	assert.equal(matomo.received.length, 80);
});

test('a FIFO without a writer does not hold up SIGTERM', {skip: !hasMkfifo || !fs.existsSync('/proc/self/fd')}, async () => {
	const dir = tempDir();
	const fifo = path.join(dir, 'pipe');
	spawnSync('mkfifo', [fifo]);
	let pid: number | undefined;
	const running = runCli([`--url=${matomo.url}`, '--token-auth=test-token', '--idsite=1', `--state-file=${path.join(dir, 'state.json')}`, fifo], {
		timeoutMs: 30_000,
		onStarted: child => {
			pid = child.pid;
		},
	});
	let exited = false;
	void running.then(() => {
		exited = true;
	});
	// Wait until the run has the FIFO open (one of its descriptors points at it), or until it is clearly not opening it.
	const opened = () => {
		try {
			return fs.readdirSync(`/proc/${pid}/fd`).some(fd => {
				try {
					return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === fifo;
				} catch {
					return false;
				}
			});
		} catch {
			return false;
		}
	};

	const giveUp = Date.now() + 15_000;
	while (!exited && !opened() && Date.now() < giveUp) await new Promise(resolve => setTimeout(resolve, 20));
	process.kill(pid!, 'SIGTERM');
	const result = await running;
	assert.equal(result.signal, null, 'ended by itself, not killed');
	assert.equal(result.code, 143, result.stderr);
});

test('the same file named twice, through a glob and through a link is imported once, and the output says so', async () => {
	matomo.reset();
	const dir = tempDir();
	const log = path.join(dir, 'access.log');
	writeLog(log, 40);
	fs.symlinkSync(log, path.join(dir, 'link.log'));
	const result = await runImport(['--idsite=1', log, log, path.join(dir, '*.log'), path.join(dir, 'link.log')], {url: matomo.url});
	assert.equal(result.exitCode, 0, result.state.failure ?? undefined);
	assert.equal(matomo.received.length, 40);
	assert.equal(result.state.inputs.length, 1);
	assert.ok(
		result.state.notices.some(notice => notice.includes('named more than once, imported once')),
		result.state.notices.join('\n'),
	);
	assert.ok(
		result.state.notices.some(notice => notice.includes('link.log: the same file as')),
		result.state.notices.join('\n'),
	);
});

test('a glob over rotated logs imports them oldest first (Matomo needs time order), other files in name order', async () => {
	const {expandInputs} = await import('../source/input/expand-inputs.js');
	const dir = tempDir();
	for (const name of ['access.log', 'access.log.1', 'access.log.2.gz', 'access.log.10.gz', 'error.log']) fs.writeFileSync(path.join(dir, name), '');
	const {inputs} = await expandInputs([path.join(dir, '*.log*')]);
	assert.deepEqual(
		inputs.map(input => path.basename(input.path)),
		['access.log.10.gz', 'access.log.2.gz', 'access.log.1', 'access.log', 'error.log'],
	);
});
