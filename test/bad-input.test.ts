/**
 * Bad input never stops an import: each bad line is counted under its reason with samples, each unreadable input is
 * reported, the rest is imported, and the exit status says something went wrong.
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, runCli, runImport, tempDir} from './helpers.js';

let matomo: MatomoDouble;

before(async () => {
	matomo = await startMatomoDouble({token: 'secret-token-1234', now: () => Date.UTC(2024, 1, 11)});
});

after(async () => {
	await matomo.close();
});

const good = (i: number) => combinedLine({ip: `10.3.0.${i}`, path: `/ok/${i}`});

test('binary garbage, NUL bytes, invalid UTF-8 and a huge line are counted as invalid; the good lines go through', async () => {
	matomo.reset();
	const dir = tempDir();
	const file = path.join(dir, 'mixed.log');
	const parts: Buffer[] = [
		Buffer.from(good(1) + '\n'),
		Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x0a]),
		Buffer.from('GET \u0000 /nul HTTP/1.1\n'),
		Buffer.from(good(2).replace('/ok/2', '/caf\u00e9') + '\n'),
		Buffer.concat([Buffer.from('10.3.0.9 - - [10/Feb/2024:10:00:00 +0000] "GET /bad'), Buffer.from([0xc3, 0x28]), Buffer.from(' HTTP/1.1" 200 5 "-" "UA"\n')]),
		Buffer.alloc(3 * 1024 * 1024, 0x61),
		Buffer.from('\n' + good(3) + '\n'),
	];
	fs.writeFileSync(file, Buffer.concat(parts));
	const result = await runImport(['--idsite=1', file], {url: matomo.url, token: 'secret-token-1234'});
	assert.equal(result.exitCode, 0);
	const paths = matomo.received.map(hit => new URL(hit.params.url!).pathname);
	// The undecodable byte goes out as the original byte, %C3 (see the tracking-request test); decoded as UTF-8 by the
	// double it is a replacement character.
	assert.deepEqual(paths.sort(), ['/bad%EF%BF%BD(', '/caf%C3%A9', '/ok/1', '/ok/3'].sort());
	const reasons = result.state.invalidSamples.map(sample => sample.reason);
	assert.equal(result.state.counters.skipped.invalid, 3);
	assert.ok(reasons.includes('line too long'));
	assert.deepEqual(
		result.state.invalidSamples.map(sample => sample.lineNumber),
		[2, 3, 6],
	);
});

test('a truncated .gz imports what is readable and reports the file and offset', async () => {
	matomo.reset();
	const dir = tempDir();
	const lines = Array.from({length: 400}, (_, i) => good(i % 250));
	const gz = zlib.gzipSync(lines.join('\n') + '\n');
	const file = path.join(dir, 'cut.log.gz');
	fs.writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
	const result = await runImport(['--idsite=1', file], {url: matomo.url, token: 'secret-token-1234'});
	assert.ok(matomo.received.length > 50, `${matomo.received.length} hits from the readable part`);
	assert.ok(matomo.received.length < 400);
	assert.ok(
		result.state.notices.some(notice => notice.includes('cut.log.gz') && /byte \d+/.test(notice)),
		result.state.notices.join('\n'),
	);
	// Imported up to the damage, but the run says something went wrong.
	assert.equal(result.exitCode, 1);
});

test('an empty file, a directory and an unreadable file among good ones: reported, the rest imported, exit 1', async () => {
	matomo.reset();
	const dir = tempDir();
	const empty = path.join(dir, 'empty.log');
	fs.writeFileSync(empty, '');
	const sub = path.join(dir, 'a-directory');
	fs.mkdirSync(sub);
	const goodFile = path.join(dir, 'good.log');
	fs.writeFileSync(goodFile, good(7) + '\n');
	const result = await runImport(['--idsite=1', empty, sub, goodFile, path.join(dir, 'missing-*.log')], {
		url: matomo.url,
		token: 'secret-token-1234',
	});
	assert.equal(result.exitCode, 1);
	assert.equal(matomo.received.length, 1);
	const notices = result.state.notices.join('\n');
	assert.match(notices, /a-directory/);
	assert.match(notices, /missing-\*\.log/);
	assert.equal(result.state.inputs.find(input => input.path === empty)?.phase, 'skipped');
});

test('the token never shows: not in URLs, output, errors, debug logs, the state file or --json', async () => {
	matomo.reset();
	const dir = tempDir();
	const file = path.join(dir, 'a.log');
	fs.writeFileSync(file, [good(1), good(2), 'junk'].join('\n') + '\n');
	const state = path.join(dir, 'state.json');
	const run = async (args: string[], env: NodeJS.ProcessEnv = {}) =>
		runCli([`--url=${matomo.url}`, `--state-file=${state}`, ...args], {env, timeoutMs: 30_000});
	const outputs = [
		await run(['--idsite=1', '-dd', '--debug-tracker', '--show-progress', '--json', file], {MATOMO_TOKEN_AUTH: 'secret-token-1234'}),
		await run(['--idsite=1', '-d', '--reimport', '--token-auth=secret-token-1234', file]),
		// A wrong token: the error must not echo it either.
		await run(['--idsite=1', '--reimport', '--token-auth=wrong-secret-token', file]),
	];
	for (const output of outputs) {
		assert.doesNotMatch(output.stdout + output.stderr, /secret-token/);
	}

	assert.equal(outputs[0]!.code, 0, outputs[0]!.stderr);
	assert.equal(outputs[2]!.code, 1);
	assert.match(outputs[2]!.stderr, /token/i);
	assert.doesNotMatch(fs.readFileSync(state, 'utf8'), /secret-token/);
	for (const entry of matomo.httpLog) assert.doesNotMatch(entry.url, /secret-token/);
	assert.equal((fs.statSync(state).mode & 0o777).toString(8), '600');
});
