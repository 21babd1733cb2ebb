/**
 * The installed command (dist/source/bin.js; `npm test` builds first): a plain `#!/usr/bin/env node` line, the
 * program started once more with the Node flags of node-flags.ts, its exit status and signals passed through.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {combinedLine, writeLog, startHangingServer, type HangingServer} from './helpers.js';

const bin = path.resolve(import.meta.dirname, '../dist/source/bin.js');
const skip = fs.existsSync(bin) ? false : 'not built (npm run build)';

let hanging: HangingServer;
before(async () => {
	hanging = await startHangingServer();
});
after(() => hanging.close());

function start(args: readonly string[]) {
	const child = spawn(process.execPath, [bin, '--yes', ...args], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, CI: 'true'}});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', data => {
		stdout += data;
	});
	child.stderr.on('data', data => {
		stderr += data;
	});
	const ended = new Promise<{code: number | null; stdout: string; stderr: string}>(resolve => {
		child.on('close', code => {
			resolve({code, stdout, stderr});
		});
	});
	return {child, ended};
}

async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await new Promise(resolve => setImmediate(resolve));
}

test('the installed command starts with a plain #!/usr/bin/env node', {skip}, () => {
	assert.equal(fs.readFileSync(bin, 'utf8').split('\n', 1)[0], '#!/usr/bin/env node');
	const manifest = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8')) as {
		bin: Record<string, string>;
	};
	assert.equal(path.resolve(import.meta.dirname, '..', manifest.bin['matomo-log-import']!), bin);
});

test('it imports, with the exit status of the program', {skip}, async () => {
	const file = writeLog([combinedLine({}), combinedLine({path: '/b'})]);
	const {ended} = start(['--dry-run', '--idsite=1', '--json', file]);
	const result = await ended;
	assert.equal(result.code, 0, result.stderr);
	assert.equal((JSON.parse(result.stdout) as {imported: number}).imported, 2);
	const missing = await start(['--dry-run', '--idsite=1', '/nonexistent.log']).ended;
	assert.equal(missing.code, 1);
});

test('the program runs with the Node flags, and a SIGTERM to the command reaches it', {skip}, async () => {
	const file = writeLog([combinedLine({})]);
	const seen = hanging.received();
	const {child, ended} = start([`--url=${hanging.url}`, '--token-auth=t', '--idsite=1', '--json', file]);
	await until(() => hanging.received() > seen || child.exitCode !== null);
	const children = `/proc/${child.pid}/task/${child.pid}/children`;
	if (fs.existsSync(children)) {
		// The program renames its process (process.title): its environment says it was started with the flags.
		const programs = fs.readFileSync(children, 'utf8').trim().split(/\s+/);
		assert.equal(programs.length, 1);
		const environment = fs.readFileSync(`/proc/${programs[0]}/environ`, 'utf8').split('\0');
		assert.ok(environment.includes('MATOMO_LOG_IMPORT_NODE_FLAGS=1'), 'started by the command with its flags');
		assert.ok(!fs.readFileSync(`/proc/${programs[0]}/task/${programs[0]}/children`, 'utf8').trim(), 'started once, not again');
	}

	child.kill('SIGTERM');
	const result = await ended;
	assert.equal(result.code, 143, result.stderr);
	assert.equal((JSON.parse(result.stdout) as {status: string}).status, 'stopped');
});
