/** `npm run typecheck` checks the tests too: a type error planted in a test file fails it. */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';

const root = path.resolve(import.meta.dirname, '..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

test('the typecheck script covers every test file', () => {
	const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
	const project = /tsc -p (\S+)/.exec(scripts.typecheck!)?.[1];
	assert.ok(project, 'typecheck runs tsc -p PROJECT');
	const listed = spawnSync(process.execPath, [tsc, '-p', project, '--listFilesOnly'], {cwd: root, encoding: 'utf8'});
	assert.equal(listed.status, 0, listed.stderr);
	const files = new Set(listed.stdout.split('\n').map(line => path.resolve(root, line.trim())));
	const tests = fs.readdirSync(path.join(root, 'test')).filter(name => /\.(ts|tsx)$/.test(name));
	assert.ok(tests.length > 10);
	for (const name of tests) assert.ok(files.has(path.join(root, 'test', name)), `${name} is type-checked`);
});
