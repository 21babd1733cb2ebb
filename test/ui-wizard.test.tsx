/** @jsxRuntime automatic */
/**
 * The wizard, step by step and as a whole, driven by keystrokes (ink-testing-library) against the Matomo test
 * double over real sockets: wrong URL, not a Matomo, TLS, wrong token (typed masked), a token without write access,
 * no sites, the site picker, files by path/Tab/glob/browser, format detection with its evidence, a file no format
 * reads, a custom regex previewed as it is typed, the track toggles and fields, the review with its cron script,
 * and a walk from nothing to a finished import.
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import type {AddressInfo} from 'node:net';
import {render} from 'ink-testing-library';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {allFrames, nextCall, press, screen, shows, until, type Instance} from './ink-helpers.js';
import {combinedLine, runImport, tempDir, writeLog} from './helpers.js';
import {MatomoStep, type MatomoConnectionInfo} from '../source/ui/matomo-step.js';
import {FilesStep} from '../source/ui/files-step.js';
import {FormatStep} from '../source/ui/format-step.js';
import {TrackStep} from '../source/ui/track-step.js';
import {ReviewStep, scriptName} from '../source/ui/review-step.js';
import {App} from '../source/ui/app.js';
import {describeFiles, type FileInfo} from '../source/ui/file-info.js';
import {readSample} from '../source/ui/log-sample.js';
import type {GivenChanges, GivenMap, GivenValue} from '../source/ui/given.js';

const keys = {
	enter: '\r',
	escape: '\u001B',
	up: '\u001B[A',
	down: '\u001B[B',
	right: '\u001B[C',
	left: '\u001B[D',
	tab: '\t',
	backspace: '\u007F',
	ctrlU: '\u0015',
	ctrlC: '\u0003',
	space: ' ',
};

const token = 'wizard-token-7f3a';
const viewToken = 'view-only-token-9c1d';
let matomo: MatomoDouble;
let noSites: MatomoDouble;
let stateDir: string;
const instances: Instance[] = [];

before(async () => {
	// The imports of these tests keep their checkpoints away from the user's.
	stateDir = tempDir('mli-ui-state-');
	process.env.XDG_STATE_HOME = stateDir;
	matomo = await startMatomoDouble({
		token,
		viewOnlyTokens: [viewToken],
		sites: [
			{idsite: 1, name: 'Main', main_url: 'http://www.example.com'},
			{idsite: 3, name: 'Blog', main_url: 'http://blog.example.net'},
		],
	});
	noSites = await startMatomoDouble({token, sites: []});
});

after(async () => {
	for (const instance of instances) instance.unmount();
	await matomo.close();
	await noSites.close();
});

function show(element: Parameters<typeof render>[0]): Instance {
	const instance = render(element);
	instances.push(instance);
	return instance;
}

function given(entries: Array<[string, GivenValue]> = []): GivenMap {
	return new Map(entries);
}

async function closedPort(): Promise<number> {
	const server = http.createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	await new Promise(resolve => server.close(resolve));
	return port;
}

function matomoStep(props: {given?: GivenMap; env?: NodeJS.ProcessEnv; auto?: boolean}) {
	const done = nextCall<[GivenChanges, MatomoConnectionInfo]>();
	const instance = show(
		<MatomoStep given={props.given ?? given()} files={[]} env={props.env ?? {}} auto={props.auto ?? true} width={100} onDone={done.callback} />,
	);
	return {instance, done: done.promise};
}

// ----- Step 1: Matomo -------------------------------------------------------------------------------------------

test('matomo: a wrong URL says so with the fix, and the right address then works', async () => {
	const port = await closedPort();
	const {instance, done} = matomoStep({env: {MATOMO_TOKEN_AUTH: token}});
	await shows(instance, 'The address of your Matomo');
	await press(instance, `http://127.0.0.1:${port}`, keys.enter);
	let text = await shows(instance, 'Fix:');
	assert.match(text, /connection refused/i);
	assert.match(text, /Check the address/);
	// The field is back, with the address to correct.
	assert.match(text, new RegExp(`URL http://127\\.0\\.0\\.1:${port}`));
	await press(instance, keys.ctrlU, matomo.url, keys.enter);
	text = await shows(instance, 'Send the hits to:');
	assert.match(text, /Matomo 5\.2\.0/);
	assert.match(text, /1 {2}Main/);
	assert.match(text, /3 {2}Blog/);
	assert.match(text, /By host name in the log/);
	await press(instance, keys.enter);
	const [changes, connection] = await done;
	assert.deepEqual(changes, {url: matomo.url, idsite: '1', 'idsite-fallback': undefined, 'add-sites-new-hosts': undefined});
	assert.equal(connection.version, '5.2.0');
	assert.equal(connection.tokenSource, 'env');
	await connection.client.close();
});

test('matomo: the address is checked as soon as it is entered, before the token is typed', async () => {
	const port = await closedPort();
	const {instance} = matomoStep({env: {}});
	await shows(instance, 'The address of your Matomo');
	await press(instance, `http://127.0.0.1:${port}`, keys.enter);
	// The token is asked for, and meanwhile the address is found wrong: back to it, with why.
	const text = await shows(instance, 'Fix:');
	assert.match(text, /connection refused/i);
	assert.match(text, new RegExp(`URL http://127\\.0\\.0\\.1:${port}`));
});

test('matomo: a check that hangs says how long it waits, and Esc cancels it', async () => {
	const sockets: import('node:net').Socket[] = [];
	const hanging = http.createServer(() => {});
	hanging.on('connection', socket => sockets.push(socket));
	await new Promise<void>(resolve => hanging.listen(0, '127.0.0.1', resolve));
	try {
		const {port} = hanging.address() as {port: number};
		const {instance} = matomoStep({env: {MATOMO_TOKEN_AUTH: token}});
		await shows(instance, 'The address of your Matomo');
		await press(instance, `http://127.0.0.1:${port}`, keys.enter);
		await shows(instance, '(waits up to 20 s · Esc cancel)');
		await press(instance, keys.escape);
		const text = await shows(instance, 'Check cancelled.');
		assert.match(text, /The address of your Matomo/);
	} finally {
		for (const socket of sockets) socket.destroy();
		hanging.close();
	}
});

test('matomo: an address that is not a Matomo, and a TLS failure, each get their own explanation', async () => {
	const notMatomo = http.createServer((_request, response) => {
		response.writeHead(200, {'content-type': 'text/html'});
		response.end('<html><body>Welcome to nginx!</body></html>');
	});
	await new Promise<void>(resolve => notMatomo.listen(0, '127.0.0.1', resolve));
	try {
		const {instance} = matomoStep({env: {MATOMO_TOKEN_AUTH: token}});
		await press(instance, `http://127.0.0.1:${(notMatomo.address() as AddressInfo).port}/`, keys.enter);
		let text = await shows(instance, 'Fix:');
		assert.match(text, /does not look like a Matomo/);
		assert.match(text, /where you log in to Matomo/);
		// https:// to a server that speaks plain http: the TLS handshake fails.
		await press(instance, keys.ctrlU, matomo.url.replace('http://', 'https://'), keys.enter);
		text = await shows(instance, /https \(TLS\) connection/);
		assert.match(text, /Check the scheme/);
		instance.unmount();
	} finally {
		notMatomo.closeAllConnections();
		await new Promise(resolve => notMatomo.close(resolve));
	}
});

test('matomo: the token is typed masked; a wrong one is refused with the fix, then the right one is taken', async () => {
	const {instance, done} = matomoStep({});
	await press(instance, matomo.url, keys.enter);
	await shows(instance, 'Token');
	await press(instance, 'not-the-token');
	let text = await shows(instance, '•'.repeat('not-the-token'.length));
	await press(instance, keys.enter);
	text = await shows(instance, 'Fix:');
	assert.match(text, /refused this token/);
	assert.match(text, /Auth tokens/);
	await press(instance, token, keys.enter);
	await shows(instance, 'Send the hits to:');
	await press(instance, keys.enter);
	const [changes, connection] = await done;
	assert.equal(changes['token-auth'], token);
	assert.equal(connection.tokenSource, 'flag');
	await connection.client.close();
	// Never drawn, not even for one frame.
	const everything = allFrames(instance);
	assert.ok(!everything.includes('not-the-token'));
	assert.ok(!everything.includes(token));
});

test('matomo: a token that can only view the sites is told to use one with write access', async () => {
	const {instance, done} = matomoStep({
		given: given([
			['url', matomo.url],
			['token-auth', viewToken],
		]),
	});
	const text = await shows(instance, 'Send the hits to:');
	assert.match(text, /can only view these sites/);
	assert.match(text, /write access/);
	// Esc goes back to the token, to type another one.
	await press(instance, keys.escape);
	await shows(instance, 'Token');
	await press(instance, token, keys.enter);
	const after = await shows(instance, 'Send the hits to:');
	assert.doesNotMatch(after, /can only view/);
	await press(instance, keys.enter);
	const [, connection] = await done;
	await connection.client.close();
});

test('matomo: a Matomo without sites offers to create them from the host names in the log', async () => {
	const {instance, done} = matomoStep({given: given([['url', noSites.url]]), env: {MATOMO_TOKEN_AUTH: token}});
	const text = await shows(instance, 'no site this token can see');
	assert.match(text, /Check again/);
	await press(instance, keys.enter);
	const [changes, connection] = await done;
	assert.equal(changes['add-sites-new-hosts'], true);
	assert.equal(changes.idsite, undefined);
	await connection.client.close();
});

test('matomo: by host name in the log, with unknown hosts sent to a fallback site', async () => {
	const {instance, done} = matomoStep({given: given([['url', matomo.url]]), env: {MATOMO_TOKEN_AUTH: token}});
	await shows(instance, 'By host name in the log');
	await press(instance, keys.down, keys.down, keys.enter);
	await shows(instance, 'matches no site in Matomo');
	await press(instance, keys.down, keys.enter);
	await shows(instance, 'Send hits of unknown hosts to:');
	await press(instance, keys.down, keys.enter);
	const [changes, connection] = await done;
	assert.deepEqual(changes, {idsite: undefined, 'idsite-fallback': '3', 'add-sites-new-hosts': undefined});
	await connection.client.close();
	assert.ok(matomo.apiCalls.some(call => call.method === 'SitesManager.getSitesWithAdminAccess'));
	assert.ok(
		matomo.apiCalls.every(call => call.tokenSource !== 'query'),
		'the token never goes into a URL',
	);
});

test('matomo: address, token and site given as flags: checked, then no question', async () => {
	const {instance, done} = matomoStep({
		given: given([
			['url', matomo.url],
			['idsite', '3'],
		]),
		env: {MATOMO_TOKEN_AUTH: token},
	});
	const [changes, connection] = await done;
	assert.deepEqual(changes, {});
	assert.equal(connection.version, '5.2.0');
	await connection.client.close();
	instance.unmount();
});

// ----- Step 2: files --------------------------------------------------------------------------------------------

function logDir(): string {
	const dir = tempDir('mli-ui-files-');
	writeLog([combinedLine({path: '/a'}), combinedLine({path: '/b'})], 'access.log', dir);
	fs.writeFileSync(path.join(dir, 'access.log.1.gz'), zlib.gzipSync(`${combinedLine({path: '/old'})}\n`));
	fs.mkdirSync(path.join(dir, 'sub'));
	writeLog([combinedLine({})], 'other.log', path.join(dir, 'sub'));
	return dir;
}

function filesStep(props: {files?: string[]; cwd: string; auto?: boolean}) {
	const done = nextCall<[string[], FileInfo[]]>();
	const back = nextCall<[]>();
	const instance = show(
		<FilesStep files={props.files ?? []} cwd={props.cwd} auto={props.auto ?? false} width={100} rows={40} onDone={done.callback} onBack={back.callback} />,
	);
	return {instance, done: done.promise, back: back.promise};
}

test('files: a typed path completed with Tab, shown with size, date and compression', async () => {
	const dir = logDir();
	const {instance, done} = filesStep({cwd: dir});
	await shows(instance, 'Path');
	await press(instance, 'acc', keys.tab);
	// Two names start with "access.log": the common part is completed and the candidates listed.
	let text = await shows(instance, 'access.log.1.gz');
	assert.match(text, /Path access\.log/);
	await press(instance, '.1', keys.tab);
	await shows(instance, 'Path access.log.1.gz');
	await press(instance, keys.enter);
	text = await shows(instance, 'Chosen: 1 entry');
	assert.match(text, /access\.log\.1\.gz +\d+ B +\d{4}-\d\d-\d\d \d\d:\d\d +gzip/);
	await press(instance, 'sub/oth', keys.tab);
	await shows(instance, 'Path sub/other.log');
	await press(instance, keys.enter);
	await shows(instance, 'Chosen: 2 entries');
	// Backspace on the empty field removes nothing by itself: it says how to.
	await press(instance, keys.backspace);
	await shows(instance, 'To remove a chosen entry');
	assert.match(screen(instance), /Chosen: 2 entries/);
	// ↑ to the chosen entries: the first one (not only the last) can be removed.
	await press(instance, keys.up);
	await shows(instance, /❯ \S*sub\/other\.log/);
	await press(instance, keys.up);
	await shows(instance, /❯ \S*access\.log\.1\.gz/);
	await press(instance, keys.backspace);
	await shows(instance, 'Chosen: 1 entry');
	await press(instance, keys.escape);
	await shows(instance, '↑ the chosen entries');
	await press(instance, keys.enter);
	const [files, infos] = await done;
	assert.deepEqual(files, [path.join(dir, 'sub', 'other.log')]);
	assert.equal(infos[0]!.compression, 'none');
});

test('files: a glob is kept as a glob; a path that names nothing, or stdin, is an error', async () => {
	const dir = logDir();
	const {instance, done} = filesStep({cwd: dir});
	await press(instance, 'missing.log', keys.enter);
	await shows(instance, 'file not found');
	await press(instance, keys.ctrlU, '-', keys.enter);
	await shows(instance, 'stdin (-) is this terminal here');
	await press(instance, keys.ctrlU, `${dir}/access.log*`, keys.enter);
	const text = await shows(instance, '2 files match now');
	assert.match(text, /Chosen: 1 entry/);
	await press(instance, keys.enter);
	const [files, infos] = await done;
	assert.deepEqual(files, [`${dir}/access.log*`]);
	assert.equal(infos.length, 2);
});

test('files: browse with the arrow keys and tick several files', async () => {
	const dir = logDir();
	const {instance, done} = filesStep({cwd: dir});
	await shows(instance, 'Path');
	await press(instance, keys.down);
	let text = await shows(instance, /❯ +sub\//);
	assert.match(text, /\[ \] access\.log +\d+ B .*plain/);
	assert.match(text, /\[ \] access\.log\.1\.gz .*gzip/);
	// The cursor starts on sub/: into it, tick other.log, back up.
	await press(instance, keys.right);
	await shows(instance, 'other.log');
	await press(instance, keys.down, keys.space);
	await shows(instance, '[x] other.log');
	await press(instance, keys.left);
	await shows(instance, '[ ] access.log.1.gz');
	await press(instance, keys.down, keys.space, keys.space);
	text = await shows(instance, 'Chosen: 3 entries');
	assert.match(text, /\[x\] access\.log\.1\.gz/);
	await press(instance, keys.enter);
	const [files] = await done;
	assert.deepEqual(files.sort(), [path.join(dir, 'access.log'), path.join(dir, 'access.log.1.gz'), path.join(dir, 'sub', 'other.log')].sort());
});

test('files: the browser lists links to directories and enters them; Home/End; typing filters 350 entries', async () => {
	const dir = tempDir('mli-ui-big-');
	for (let i = 0; i < 350; i++) fs.writeFileSync(path.join(dir, `f${String(i).padStart(3, '0')}.log`), '');
	fs.mkdirSync(path.join(dir, 'real'));
	writeLog([combinedLine({})], 'inner.log', path.join(dir, 'real'));
	fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'linked'));
	const {instance} = filesStep({cwd: dir});
	await shows(instance, 'Path');
	await press(instance, keys.down);
	let text = await shows(instance, /❯ +linked\/ ↪/);
	assert.match(text, /real\//);
	await press(instance, '\u001B[F');
	await shows(instance, /❯\[ \] f349\.log/);
	await press(instance, '\u001B[H');
	await shows(instance, /❯ +\.\./);
	await press(instance, 'f12');
	text = await shows(instance, 'filter "f12": 10 of 352');
	assert.match(text, /f125\.log/);
	assert.doesNotMatch(text, /f200\.log|linked/);
	// Backspace takes the filter back a character at a time, then Esc-free: the whole listing again.
	await press(instance, keys.backspace, keys.backspace, keys.backspace);
	await until(instance, screenText => !screenText.includes('filter "'), 'the filter cleared');
	await press(instance, 'link');
	await shows(instance, /❯ +linked\/ ↪/);
	await press(instance, keys.right);
	text = await shows(instance, 'inner.log');
	assert.match(text, /linked\n/);
});

test('files: a glob and a file it matches are flagged and counted once; rotated files go oldest first', async () => {
	const dir = tempDir('mli-ui-rotated-');
	writeLog([combinedLine({path: '/new'})], 'access.log', dir);
	writeLog([combinedLine({path: '/older'})], 'access.log.1', dir);
	fs.writeFileSync(path.join(dir, 'access.log.2.gz'), zlib.gzipSync(`${combinedLine({path: '/oldest'})}\n`));
	const first = filesStep({cwd: dir});
	await shows(first.instance, 'Path');
	await press(first.instance, `${dir}/access.log*`, keys.enter);
	let text = await shows(first.instance, '3 files match now');
	await shows(first.instance, 'Rotated files are imported oldest first');
	await press(first.instance, 'access.log.1', keys.enter);
	text = await shows(first.instance, '⚠ already chosen through');
	assert.match(text, /Chosen: 2 entries, 3 files/);
	await press(first.instance, keys.enter);
	const [, infos] = await first.done;
	assert.equal(infos.length, 3);
	first.instance.unmount();

	const second = filesStep({cwd: dir});
	await shows(second.instance, 'Path');
	await press(second.instance, keys.down);
	await shows(second.instance, /❯\[ \] access\.log /);
	await press(second.instance, keys.space, keys.space, keys.space);
	text = await shows(second.instance, 'Chosen: 3 entries');
	assert.match(text, /Rotated files are imported oldest first/);
	await press(second.instance, keys.enter);
	const [files] = await second.done;
	assert.deepEqual(
		files,
		['access.log.2.gz', 'access.log.1', 'access.log'].map(name => path.join(dir, name)),
	);
});

test('files: files given as arguments pass by themselves; Esc goes back', async () => {
	const dir = logDir();
	const first = filesStep({cwd: dir, files: [path.join(dir, 'access.log')], auto: true});
	const [files] = await first.done;
	assert.deepEqual(files, [path.join(dir, 'access.log')]);
	first.instance.unmount();
	const second = filesStep({cwd: dir});
	await shows(second.instance, 'Path');
	await press(second.instance, keys.escape);
	await second.back;
});

// ----- Step 3: format -------------------------------------------------------------------------------------------

async function formatStep(file: string, entries: Array<[string, GivenValue]> = [['idsite', '1']], auto = false) {
	const {infos} = await describeFiles([file]);
	const done = nextCall<[GivenChanges, unknown]>();
	const back = nextCall<[GivenChanges?]>();
	const instance = show(
		<FormatStep given={given(entries)} files={[file]} infos={infos} env={{}} auto={auto} width={100} rows={40} onDone={done.callback} onBack={back.callback} />,
	);
	return {instance, done: done.promise, back: back.promise};
}

test('format: the detected format with its evidence and a preview of parsed fields; a bad line is marked', async () => {
	const lines = Array.from({length: 49}, (_, i) => combinedLine({path: `/page-${i}`, status: 200, referrer: 'https://ref.example/', ua: 'TestAgent/1.0'}));
	lines.splice(2, 0, 'this is not a log line');
	const file = writeLog(lines);
	const {instance, done} = await formatStep(file);
	const text = await shows(instance, 'sample lines match');
	assert.match(text, /Detected: 49 of 50 sample lines match ncsa_extended/);
	assert.match(text, /date \(UTC\) +ip +method +path +status +size +referrer +user agent/);
	// The date as the import sends it (10:00 +0100 is 09:00 UTC).
	assert.match(text, /✓ 2024-02-10 09:00:00 +192\.0\.2\.1 +GET +\/page-0 +200 +1234 +https:\/.* TestAgent/);
	assert.match(text, /✗ 3: this is not a log line/);
	// "49 of 50": which one, and why.
	assert.match(text, /✗ line 3: line did not match · this is not a log line/);
	await press(instance, keys.enter);
	const [changes] = await done;
	// Accepted as detected: no flag, each file is detected on its own (cron sees new files too).
	assert.deepEqual(changes, {'log-format-name': undefined, 'log-format-regex': undefined, 'log-date-format': undefined});
});

test('format: a file that matches no format, then a custom regex previewed as it is typed', async () => {
	const file = writeLog(['2024-02-10 10:00:00 | 192.0.2.7 | /home | 200', '2024-02-10 10:00:05 | 192.0.2.8 | /about | 404']);
	const {instance, done} = await formatStep(file);
	let text = await shows(instance, 'No known format matches');
	assert.match(text, /✗ 1: 2024-02-10 10:00:00 \| 192\.0\.2\.7/);
	// Enter does not go on without a format.
	await press(instance, keys.enter);
	await shows(instance, 'Cannot go on');
	await press(instance, 'r');
	await shows(instance, '❯ Regex');
	await press(instance, String.raw`(?P<date>\S+ \S+) \| (?P<ip>\S+)`);
	// The import would take none of these lines yet: no status, then a date the default format does not read.
	text = await shows(instance, 'Chosen: 0 of 2 sample lines match the custom regex');
	assert.match(text, /✗ line 1: no HTTP status in the line/);
	await press(instance, String.raw` \| (?P<path>\S+) \| (?P<status>\d+)`);
	// Line 2 (a 404) is left out before its date is read, as the import does: line 1's date is what fails.
	text = await shows(instance, /✗ line 1: invalid date/);
	await press(instance, keys.tab);
	await shows(instance, '❯ Date format');
	await press(instance, '%Y-%m-%d %H:%M:%S');
	text = await shows(instance, 'Chosen: 2 of 2 sample lines match the custom regex');
	assert.match(text, /✓ 2024-02-10 10:00:00 +192\.0\.2\.7 +- +\/home +200/);
	// The 404 is read, then left out as the import leaves it out (marked ·, the reason where its date would be).
	assert.match(text, /· HTTP errors +192\.0\.2\.8 +- +\/about +404/);
	// Enter in the same chunk as text, as a paste or a fast terminal gives them.
	await press(instance, keys.ctrlU, '%Y-%m-%d %H:%M:%S\r');
	await shows(instance, 'Enter use this format');
	await press(instance, keys.enter);
	const [changes] = await done;
	assert.equal(changes['log-format-regex'], String.raw`(?P<date>\S+ \S+) \| (?P<ip>\S+) \| (?P<path>\S+) \| (?P<status>\d+)`);
	assert.equal(changes['log-date-format'], '%Y-%m-%d %H:%M:%S');
	assert.equal(changes['log-format-name'], undefined);
});

test('format: another format from the list; one without host names is refused for sites by host', async () => {
	const file = writeLog([combinedLine({}), combinedLine({path: '/x'})]);
	const {instance} = await formatStep(file, []);
	await shows(instance, 'Detected: 2 of 2');
	// No --idsite: sites by host name, and ncsa_extended has no host.
	await press(instance, keys.enter);
	await shows(instance, 'has no host name');
	await press(instance, 'f');
	await shows(instance, 'Choose the format:');
	// "Detect automatically", then common (the list is the formats' registry order).
	await press(instance, keys.down);
	await shows(instance, '❯ common');
	await press(instance, keys.enter);
	await shows(instance, 'Chosen: 2 of 2 sample lines match common');
	await press(instance, keys.escape);
	await instance.unmount();
	const withSite = await formatStep(file);
	await shows(withSite.instance, 'Detected');
	await press(withSite.instance, 'f');
	await shows(withSite.instance, 'Choose the format:');
	await press(withSite.instance, keys.down);
	await shows(withSite.instance, '❯ common');
	await press(withSite.instance, keys.enter);
	await shows(withSite.instance, 'match common');
	await press(withSite.instance, keys.enter);
	const [changes] = await withSite.done;
	assert.equal(changes['log-format-name'], 'common');
});

test('format: a line whose date the import cannot read is ✗ with the reason, and a format that reads no line asks before going on', async () => {
	const file = writeLog(['1.2.3.4 - - [February - 10, 2012:16:42:07] "GET / HTTP/1.0" 301 368']);
	const {instance, done} = await formatStep(file, [
		['idsite', '1'],
		['enable-http-redirects', true],
	]);
	const text = await shows(instance, /Detected: 0 of 1 sample lines match/);
	assert.match(text, /✗ line 1: invalid date/);
	assert.doesNotMatch(text, /✓/);
	let settled = false;
	void done.then(() => {
		settled = true;
	});
	await press(instance, keys.enter);
	await shows(instance, 'Enter: use it anyway');
	assert.equal(settled, false);
	// Any other key cancels the question; Enter asks again, and a second Enter goes on.
	await press(instance, keys.left);
	await until(instance, screenText => !screenText.includes('use it anyway'), 'the question gone');
	await press(instance, keys.enter);
	await shows(instance, 'Enter: use it anyway');
	await press(instance, keys.enter);
	await done;
});

test('format: Enter checks the choice on the other files too: one it reads no line of is named before going on', async () => {
	const dir = tempDir('mli-ui-two-');
	const good = writeLog([combinedLine({}), combinedLine({path: '/x'})], 'a.log', dir);
	const bad = writeLog(['hello there', 'not a log line either'], 'b.log', dir);
	const {infos} = await describeFiles([good, bad]);
	const done = nextCall<[GivenChanges, unknown]>();
	const instance = show(
		<FormatStep
			given={given([['idsite', '1']])}
			files={[good, bad]}
			infos={infos}
			env={{}}
			auto={false}
			width={100}
			rows={40}
			onDone={done.callback}
			onBack={() => {}}
		/>,
	);
	await shows(instance, 'Detected: 2 of 2');
	let settled = false;
	void done.promise.then(() => {
		settled = true;
	});
	await until(instance, screenText => !screenText.includes("Reading the other files' first lines"), 'both samples read');
	await press(instance, keys.enter);
	const text = await shows(instance, 'use it anyway');
	assert.match(text, /every sample line invalid in .*b\.log/);
	assert.equal(settled, false);
	await press(instance, keys.enter);
	await done.promise;
});

test('format: the preview follows the highlighted format; typing filters the list', async () => {
	const file = writeLog([combinedLine({}), combinedLine({path: '/x'})]);
	const {instance} = await formatStep(file);
	await shows(instance, 'Detected: 2 of 2');
	await press(instance, 'f');
	await shows(instance, 'Choose the format:');
	await press(instance, keys.down);
	await shows(instance, 'Highlighted: 2 of 2 sample lines match common');
	await press(instance, 'w3c');
	const text = await shows(instance, 'filter "w3c"');
	assert.doesNotMatch(text, /❯ common|ncsa_extended/);
	await shows(instance, /❯ w3c_extended/);
	await shows(instance, 'needs a "#Fields:" line');
	// Esc clears the filter first, then leaves the list with the choice unchanged.
	await press(instance, keys.escape);
	await shows(instance, '(type to filter)');
	await press(instance, keys.escape);
	await shows(instance, 'Detected: 2 of 2');
});

test('format: a choice made here is kept when going back (Esc), not reverted to the earlier one', async () => {
	const file = writeLog([combinedLine({}), combinedLine({path: '/x'})]);
	const {instance, back} = await formatStep(file, [
		['idsite', '1'],
		['log-format-name', 'common'],
	]);
	await shows(instance, 'Chosen: 2 of 2 sample lines match common');
	await press(instance, 'f');
	await shows(instance, '❯ common');
	await press(instance, '\u001B[H');
	await shows(instance, '❯ Detect automatically');
	await press(instance, keys.enter);
	await shows(instance, 'Detected: 2 of 2');
	await press(instance, keys.escape);
	const [changes] = await back;
	assert.deepEqual(changes, {'log-format-name': undefined, 'log-format-regex': undefined, 'log-date-format': undefined});
});

test('format: numbers and addresses in the preview are shown whole', async () => {
	const file = writeLog([combinedLine({ip: '137.166.162.111', size: 2379512345, path: '/a-rather-long-path/to/some/page.html'})]);
	const {infos} = await describeFiles([file]);
	const instance = show(
		<FormatStep given={given([['idsite', '1']])} files={[file]} infos={infos} env={{}} auto={false} width={80} rows={40} onDone={() => {}} onBack={() => {}} />,
	);
	const text = await shows(instance, 'Detected: 1 of 1');
	assert.match(text, /137\.166\.162\.111/);
	assert.match(text, /2379512345/);
});

test('format: a format given as a flag that reads the file passes by itself', async () => {
	const file = writeLog([combinedLine({})]);
	const {done, instance} = await formatStep(
		file,
		[
			['idsite', '1'],
			['log-format-name', 'ncsa_extended'],
		],
		true,
	);
	const [changes] = await done;
	assert.equal(changes['log-format-name'], 'ncsa_extended');
	instance.unmount();
});

// ----- Step 4: what to track ------------------------------------------------------------------------------------

function trackStep(entries: Array<[string, GivenValue]> = [], auto = false, format?: string) {
	const done = nextCall<[GivenChanges]>();
	const back = nextCall<[GivenChanges?]>();
	const instance = show(
		<TrackStep
			given={given(entries)}
			files={['a.log']}
			env={{}}
			matomoUrl="http://127.0.0.1:8080/"
			auto={auto}
			width={100}
			rows={24}
			onDone={done.callback}
			onBack={back.callback}
			format={format}
		/>,
	);
	return {instance, done: done.promise, back: back.promise};
}

/** Down until the cursor is on `flag` (the rows come from the option table: no counting). */
async function focusRow(instance: Instance, flag: string): Promise<void> {
	for (let i = 0; i < 40 && !screen(instance).includes(`❯ --${flag} `) && !screen(instance).includes(`❯ [ ] --${flag} `); i++) {
		await press(instance, keys.down);
	}

	await shows(instance, `--${flag}: `);
}

test('track: toggles with Space, patterns and recorders typed; the answers are flags', async () => {
	const {instance, done} = trackStep();
	let text = await shows(instance, '--enable-static');
	assert.match(text, /❯ \[ \] --enable-static/);
	assert.match(text, /--dry-run/);
	await press(instance, keys.down, keys.space);
	await shows(instance, '[x] --enable-bots');
	await focusRow(instance, 'exclude-path');
	text = await shows(instance, 'comma-separated');
	await press(instance, '/admin/*, /private/*');
	await focusRow(instance, 'recorders');
	text = await shows(instance, 'Recommended');
	assert.match(text, /Matomo runs on this machine: \d+ CPU cores/);
	// The answer and Enter in one chunk, as a paste gives them.
	await press(instance, 'auto\r');
	const [changes] = await done;
	assert.equal(changes['enable-bots'], true);
	assert.equal(changes['enable-static'], undefined);
	assert.deepEqual(changes['exclude-path'], ['/admin/*', '/private/*']);
	assert.equal(changes.recorders, 'auto');
});

test('keys glued in one write (Space Enter, as a paste or a busy machine gives them) are each handled, in order', {
	timeout: 10_000,
}, async () => {
	const {instance, done} = trackStep();
	await shows(instance, '❯ [ ] --enable-static');
	instance.stdin.write(' \r');
	const [changes] = await done;
	assert.equal(changes['enable-static'], true);
});

test('track: Esc goes back with the ticks made here, not discarding them', async () => {
	const {instance, back} = trackStep();
	await shows(instance, '❯ [ ] --enable-static');
	await press(instance, keys.space);
	await shows(instance, '[x] --enable-static');
	await press(instance, keys.escape);
	const [changes] = await back;
	assert.equal(changes?.['enable-static'], true);
});

test('track: listening time is offered for Icecast and SHOUTcast logs only', async () => {
	const web = trackStep([], false, 'ncsa_extended');
	assert.doesNotMatch(await shows(web.instance, '--enable-static'), /track-listening-time/);
	web.instance.unmount();
	const radio = trackStep([], false, 'icecast2');
	await focusRow(radio.instance, 'track-listening-time');
	await press(radio.instance, keys.space);
	await shows(radio.instance, '[x] --track-listening-time');
	await press(radio.instance, keys.enter);
	const [changes] = await radio.done;
	assert.equal(changes['track-listening-time'], true);
});

test('track: a date the importer would refuse is refused here, naming the flag', async () => {
	const {instance, done} = trackStep();
	await shows(instance, '--exclude-older-than');
	await focusRow(instance, 'exclude-older-than');
	await press(instance, 'last tuesday', keys.enter);
	await shows(instance, '--exclude-older-than needs a date like');
	await press(instance, keys.ctrlU, '2024-01-01 00:00:00 +0000', keys.enter);
	const [changes] = await done;
	assert.equal(changes['exclude-older-than'], '2024-01-01 00:00:00 +0000');
});

test('track: flags of this step given: they are the answer', async () => {
	const {done, instance} = trackStep(
		[
			['enable-http-errors', true],
			['recorders', '4'],
		],
		true,
	);
	const [changes] = await done;
	assert.equal(changes['enable-http-errors'], true);
	assert.equal(changes.recorders, '4');
	instance.unmount();
});

// ----- Step 5: review -------------------------------------------------------------------------------------------

test('review: everything chosen, the estimate, the cron command without the token, saved as a script', async () => {
	const dir = tempDir('mli-ui-review-');
	const file = writeLog(
		Array.from({length: 40}, (_, i) => combinedLine({path: `/p${i}`})),
		'access.log',
		dir,
	);
	const {infos} = await describeFiles([file]);
	const sample = await readSample(file);
	const start = nextCall<[]>();
	const map = given([
		['url', matomo.url],
		['token-auth', token],
		['idsite', '3'],
		['enable-static', true],
	]);
	const connection = {
		url: matomo.url,
		version: '5.2.0',
		sites: {access: 'admin', sites: [{id: '3', name: 'Blog', url: 'http://blog.example.net'}]},
		tokenSource: 'flag',
	} as unknown as MatomoConnectionInfo;
	const instance = show(
		<ReviewStep
			given={map}
			files={[file]}
			infos={infos}
			sample={sample}
			connection={connection}
			cwd={dir}
			width={100}
			rows={40}
			starting={false}
			startError={undefined}
			onStart={start.callback}
			onBack={() => {}}
			program={['matomo-log-import']}
		/>,
	);
	let text = await shows(instance, 'for cron');
	assert.match(text, /every hit to site 3 \(Blog, http:\/\/blog\.example\.net\)/);
	assert.match(text, /plus --enable-static/);
	assert.match(text, /about 40 lines to read/);
	// Wrapped between words only, with shell continuations: read back as one line it is the command.
	assert.match(
		text.replace(/ \\\n */g, ' '),
		new RegExp(`MATOMO_TOKEN_AUTH=… matomo-log-import --yes --url=${matomo.url.replace(/\./g, '\\.')} --idsite=3 --enable-static`),
	);
	assert.ok(!text.includes(token));
	await press(instance, 's');
	text = await shows(instance, 'Saved to');
	const script = path.join(dir, scriptName);
	assert.equal(fs.statSync(script).mode & 0o777, 0o700);
	const content = fs.readFileSync(script, 'utf8');
	assert.match(content, /^#!\/bin\/sh/);
	assert.match(content, /\$\{MATOMO_TOKEN_AUTH:\?/);
	assert.ok(!content.includes(token));
	// c: the command to the clipboard (OSC 52), the line itself, not the token.
	await press(instance, 'c');
	await shows(instance, 'Sent to the clipboard');
	const osc = /\u001B\]52;c;([A-Za-z\d+/=]+)\u0007/.exec(instance.frames.join(''));
	assert.ok(osc, 'an OSC 52 sequence');
	assert.match(Buffer.from(osc[1]!, 'base64').toString('utf8'), /^MATOMO_TOKEN_AUTH=… matomo-log-import --yes /);
	await press(instance, keys.enter);
	await start.promise;
});

test('review: a file chosen twice (here as itself and through a link) is flagged', async () => {
	const dir = tempDir('mli-ui-twice-');
	const file = writeLog([combinedLine({path: '/a'})], 'access.log', dir);
	fs.symlinkSync(file, path.join(dir, 'current.log'));
	// As the files step describes them: each chosen entry on its own.
	const infos = [...(await describeFiles([file])).infos, ...(await describeFiles([path.join(dir, 'current.log')])).infos];
	const instance = show(
		<ReviewStep
			given={given([
				['url', 'http://m'],
				['idsite', '1'],
			])}
			files={[file, path.join(dir, 'current.log')]}
			infos={infos}
			sample={await readSample(file)}
			connection={undefined}
			cwd={dir}
			width={100}
			rows={40}
			starting={false}
			startError={undefined}
			onStart={() => {}}
			onBack={() => {}}
			program={['matomo-log-import']}
		/>,
	);
	const text = await shows(instance, 'chosen 2 times');
	assert.match(text.replace(/\s+/g, ' '), /⚠ access\.log is chosen 2 times \(.*access\.log, .*current\.log\): it is imported once/);
});

test('review: one line is "about 1 line"', async () => {
	const dir = tempDir('mli-ui-one-');
	const file = writeLog([combinedLine({path: '/only'})], 'access.log', dir);
	const {infos} = await describeFiles([file]);
	const instance = show(
		<ReviewStep
			given={given([
				['url', 'http://m'],
				['idsite', '1'],
			])}
			files={[file]}
			infos={infos}
			sample={await readSample(file)}
			connection={undefined}
			cwd={dir}
			width={100}
			rows={40}
			starting={false}
			startError={undefined}
			onStart={() => {}}
			onBack={() => {}}
			program={['matomo-log-import']}
		/>,
	);
	assert.match(await shows(instance, 'to read'), /about 1 line to read/);
});

test('review: files imported before are shown, and r chooses between resuming and importing again', async () => {
	matomo.reset();
	const dir = tempDir('mli-ui-resume-');
	const file = writeLog(
		Array.from({length: 12}, (_, i) => combinedLine({path: `/r${i}`})),
		'access.log',
		dir,
	);
	const state = path.join(dir, 'state.json');
	await runImport(['--idsite=1', `--state-file=${state}`, file], {url: matomo.url, token});
	fs.appendFileSync(file, combinedLine({path: '/new'}) + '\n');
	const {infos} = await describeFiles([file]);
	const sample = await readSample(file);
	const changed = nextCall<[Record<string, boolean | undefined>]>();
	const map = given([
		['url', matomo.url],
		['token-auth', token],
		['idsite', '1'],
		['state-file', state],
	]);
	const instance = show(
		<ReviewStep
			given={map}
			files={[file]}
			infos={infos}
			sample={sample}
			connection={undefined}
			cwd={dir}
			width={100}
			rows={40}
			starting={false}
			startError={undefined}
			onStart={() => {}}
			onBack={() => {}}
			onChange={changed.callback}
			program={['matomo-log-import']}
		/>,
	);
	const text = await shows(instance, 'continues from there');
	assert.match(text, /access\.log: imported up to line 12 \(.*\), continues from there/);
	// Counted from where the import resumes: the one new line.
	assert.match(text, /about 1 line to read/);
	assert.match(text, /r import again from the start/);
	await press(instance, 'r');
	assert.deepEqual(await changed.promise, [{reimport: true}]);
	instance.rerender(
		<ReviewStep
			given={given([...map, ['reimport', true]])}
			files={[file]}
			infos={infos}
			sample={sample}
			connection={undefined}
			cwd={dir}
			width={100}
			rows={40}
			starting={false}
			startError={undefined}
			onStart={() => {}}
			onBack={() => {}}
			onChange={() => {}}
			program={['matomo-log-import']}
		/>,
	);
	const again = await shows(instance, 'imported again (--reimport)');
	assert.match(again, /about 13 lines to read/);
	assert.match(again.replace(/\s+/g, ' '), /⚠ --reimport: the 12 lines imported before are sent again, and Matomo counts them again/);
	// A one-time choice: the cron line never carries --reimport.
	assert.doesNotMatch(again, /matomo-log-import --yes.*--reimport/s);
});

// ----- The whole wizard -----------------------------------------------------------------------------------------

test('the whole wizard, from nothing to a finished import; Esc goes back a step', async () => {
	matomo.reset();
	const dir = tempDir('mli-ui-walk-');
	writeLog([combinedLine({path: '/one'}), combinedLine({path: '/two'}), combinedLine({path: '/style.css'}), 'junk line'], 'access.log', dir);
	const exit = nextCall<[number, boolean]>();
	const instance = show(<App given={given()} files={[]} env={{}} cwd={dir} color={false} refreshMs={50} onExit={exit.callback} />);
	await shows(instance, 'Step 1 of 5: Matomo');
	await press(instance, matomo.url, keys.enter);
	await shows(instance, 'Token');
	await press(instance, token, keys.enter);
	await shows(instance, 'Send the hits to:');
	await press(instance, keys.enter);
	await shows(instance, 'Step 2 of 5: Log files');
	// Back to Matomo: the address is kept, and the check runs again from it.
	await press(instance, keys.escape);
	await shows(instance, `URL ${matomo.url}`);
	await press(instance, keys.enter);
	await shows(instance, 'Send the hits to:');
	await press(instance, keys.enter);
	await shows(instance, 'Step 2 of 5: Log files');
	await press(instance, 'acc', keys.tab, keys.enter);
	await shows(instance, 'Chosen: 1 entry');
	await press(instance, keys.enter);
	await shows(instance, 'Detected: 3 of 4 sample lines match ncsa_extended');
	await press(instance, keys.enter);
	await shows(instance, 'Step 4 of 5: What to track');
	await press(instance, keys.enter);
	const review = await shows(instance, 'Step 5 of 5: Review');
	assert.match(review, /about 4 lines to read/);
	await press(instance, keys.enter);
	const [code, immediate] = await exit.promise;
	assert.equal(code, 0);
	assert.equal(immediate, false);
	const text = await shows(instance, 'Logs import summary');
	assert.match(text, /Import done\./);
	assert.match(text, /2 requests imported successfully/);
	assert.match(text, /1 invalid log lines/);
	assert.match(text, /core:archive/);
	assert.match(text, /✗ .*access\.log:4 line did not match: junk line/);
	// The program by its absolute path (cron has no PATH to find it by name).
	assert.match(text, /Next time, without questions \(for cron\):\nMATOMO_TOKEN_AUTH=… \/\S+/);
	assert.deepEqual(matomo.received.map(hit => new URL(hit.params.url!).pathname).sort(), ['/one', '/two']);
	assert.ok(matomo.received.every(hit => hit.params.idsite === '1'));
	assert.deepEqual(matomo.violations, []);
	assert.ok(!allFrames(instance).includes(token));
});

test('Ctrl+C in the wizard leaves at once', async () => {
	const exit = nextCall<[number, boolean]>();
	const instance = show(<App given={given()} files={[]} env={{}} cwd={process.cwd()} color={false} onExit={exit.callback} />);
	await shows(instance, 'Step 1 of 5');
	await press(instance, keys.ctrlC);
	assert.deepEqual(await exit.promise, [130, true]);
});

test('track: --bot-detection offers the three levels, one line each, and takes the one typed', async () => {
	const {instance, done} = trackStep();
	await shows(instance, '--enable-static');
	await focusRow(instance, 'bot-detection');
	const text = await shows(instance, 'behavior   also visitors whose requests show a bot');
	assert.match(text, /reference {2}import_logs\.py's list/);
	assert.match(text, /modern {5}also crawlers, AI agents/);
	await press(instance, 'behavior', keys.enter);
	const [changes] = await done;
	assert.equal(changes['bot-detection'], 'behavior');
	instance.unmount();
});
