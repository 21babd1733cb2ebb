/**
 * The CLI in a real pseudo-terminal (tmux): started with no arguments and CI unset, the wizard is walked with
 * keystrokes to a finished import into the Matomo test double (running in this process), then the screen and the
 * requests the double received are checked. And `--yes` in the same terminal: headless, raw mode never touched.
 *
 * Every wait polls the screen for what should come next, with a deadline: no fixed sleeps. Skipped, with a
 * message, when tmux is not installed (.ci/run installs it).
 */
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import {once} from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';
import {combinedLine, tempDir, writeLog} from './helpers.js';
import {shellQuote} from '../source/options/equivalent-command.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `mli-pty-${process.pid}`;
const token = 'pty-token-3e9b71';
let matomo: MatomoDouble;

/** Records every raw-mode switch of the process's terminal into $RAW_MODE_LOG: the proof both ways. */
const rawModeTrap = `data:text/javascript,${encodeURIComponent(`
import fs from 'node:fs';
import tty from 'node:tty';
const original = tty.ReadStream.prototype.setRawMode;
tty.ReadStream.prototype.setRawMode = function (mode) {
	if (process.env.RAW_MODE_LOG) fs.appendFileSync(process.env.RAW_MODE_LOG, 'setRawMode(' + mode + ')\\n');
	return original.call(this, mode);
};
`)}`;

/**
 * The built CLI when it is at least as new as the sources, else the sources through tsx: no build needed. (The
 * sessions run in a temporary directory, where tsx would not find tsconfig.json: TSX_TSCONFIG_PATH points to it.)
 */
function cliCommand(): string[] {
	const built = path.join(root, 'dist', 'source', 'cli.js');
	if (fs.existsSync(built)) {
		const builtAt = fs.statSync(built).mtimeMs;
		const newest = Math.max(
			...['source', 'formats'].flatMap(dir =>
				fs
					.readdirSync(path.join(root, dir), {recursive: true, withFileTypes: true})
					.filter(entry => entry.isFile() && /\.tsx?$/.test(entry.name))
					.map(entry => fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs),
			),
		);
		if (newest <= builtAt) return [built];
	}

	return ['--import', import.meta.resolve('tsx'), path.join(root, 'source', 'cli.ts')];
}

function tmux(...args: string[]): string {
	return execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'});
}

/** The whole pane, scrollback included, as text. */
function capture(session: string): string {
	return tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session);
}

async function waitFor(session: string, check: (screen: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const screen = capture(session);
		if (check(screen)) return screen;
		if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; the screen:\n${screen}`);
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}

const waitText = (session: string, text: string | RegExp, timeoutMs?: number) =>
	waitFor(session, screen => (typeof text === 'string' ? screen.includes(text) : text.test(screen)), `"${String(text)}"`, timeoutMs);

/** Type text literally (no key names), then wait for it to show before anything else is sent. */
async function type(session: string, text: string, shown: string | RegExp = text): Promise<void> {
	tmux('send-keys', '-t', session, '-l', text);
	await waitText(session, shown);
}

/**
 * The command shown under `heading`, as a shell reads it when it is copied from the screen: lines that end with ` \`
 * go on. Every line fits the terminal (100 columns), so nothing was broken inside a word.
 */
function commandAfter(screen: string, heading: string): string {
	const lines = screen.split('\n');
	let index = lines.findIndex(line => line.includes(heading)) + 1;
	assert.ok(index > 0, `no "${heading}" on the screen:\n${screen}`);
	const words: string[] = [];
	for (;;) {
		const line = lines[index++]!.trimEnd();
		assert.ok(line.length <= 100, `a line wider than the terminal: ${line}`);
		words.push(line.replace(/ \\$/, '').trim());
		if (!line.endsWith(' \\')) break;
	}

	return words.join(' ');
}

/** Run `sh` with `args` as cron does: no environment but PATH=/usr/bin:/bin (and `env`), from `/`. */
async function asCron(args: string[], env: Record<string, string>): Promise<{status: number | null; output: string}> {
	const child = spawn('env', ['-i', 'PATH=/usr/bin:/bin', ...Object.entries(env).map(([name, value]) => `${name}=${value}`), 'sh', ...args], {cwd: '/'});
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	child.stderr.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	const [status] = (await once(child, 'close')) as [number | null];
	return {status, output};
}

function key(session: string, ...names: string[]): void {
	tmux('send-keys', '-t', session, ...names);
}

/** Start `argv` (after node) in a new tmux session of 100×40, in `cwd`, with `env`; the pane stays after exit. */
function startSession(session: string, argv: string[], cwd: string, env: Record<string, string>): void {
	const assignments = Object.entries(env).map(([name, value]) => `${name}=${shellQuote(value)}`);
	const command = [
		'env -u CI -u CONTINUOUS_INTEGRATION -u FORCE_COLOR -u NO_COLOR TERM=xterm-256color',
		`TSX_TSCONFIG_PATH=${shellQuote(path.join(root, 'tsconfig.json'))}`,
		...assignments,
		shellQuote(process.execPath),
		...argv.map(word => shellQuote(word)),
	].join(' ');
	// A line of the shell before the program: it must still be there after the program (the full screen gives it back).
	tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '40', '-c', cwd, `echo "[shell before]"; ${command}; echo "[exit $?]"; sleep 600`);
}

before(async () => {
	if (!hasTmux) return;
	matomo = await startMatomoDouble({
		token,
		sites: [
			{idsite: 1, name: 'Main', main_url: 'http://www.example.com'},
			{idsite: 2, name: 'Shop', main_url: 'http://shop.example.com'},
		],
	});
});

after(async () => {
	if (!hasTmux) return;
	spawnSync('tmux', ['-L', socket, 'kill-server']);
	await matomo.close();
});

function logLines(): string[] {
	return [
		combinedLine({ip: '198.51.100.1', path: '/'}),
		combinedLine({ip: '198.51.100.2', path: '/pricing', referrer: 'https://www.google.com/'}),
		combinedLine({ip: '198.51.100.3', path: '/logo.png'}),
		combinedLine({ip: '198.51.100.4', path: '/missing', status: 404}),
		'not a log line at all',
		combinedLine({ip: '198.51.100.5', path: '/blog/hello'}),
	];
}

test('the wizard in a real terminal: from no arguments to a finished import', {
	skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it)',
	timeout: 30_000,
}, async () => {
	matomo.reset();
	const dir = tempDir('mli-pty-');
	const log = writeLog(logLines(), 'access.log', dir);
	const rawModeLog = path.join(dir, 'raw-mode.log');
	const session = 'wizard';
	startSession(session, ['--import', rawModeTrap, ...cliCommand()], dir, {
		XDG_STATE_HOME: path.join(dir, 'state'),
		RAW_MODE_LOG: rawModeLog,
	});

	await waitText(session, 'Step 1 of 5: Matomo', 15_000);
	await type(session, matomo.url, `URL ${matomo.url}`);
	key(session, 'Enter');
	await waitText(session, 'Token');
	await type(session, token, '•'.repeat(token.length));
	key(session, 'Enter');
	await waitText(session, 'Send the hits to:');
	await waitText(session, /❯ +1 {2}Main/);
	key(session, 'Enter');

	await waitText(session, 'Step 2 of 5: Log files');
	await type(session, `${dir}/acc`, `Path ${dir}/acc`);
	key(session, 'Tab');
	await waitText(session, `Path ${log}`);
	key(session, 'Enter');
	await waitText(session, 'Chosen: 1 entry');
	key(session, 'Enter');

	let screen = await waitText(session, 'sample lines match');
	assert.match(screen, /Detected: 5 of 6 sample lines match ncsa_extended/);
	assert.match(screen, /✗ 5: not a log line at all/);
	key(session, 'Enter');
	await waitText(session, 'Step 4 of 5: What to track');
	key(session, 'Enter');
	screen = await waitText(session, 'Step 5 of 5: Review');
	assert.match(screen, /about 6 lines to read/);
	key(session, 's');
	await waitText(session, 'Saved to');
	key(session, 'Enter');

	screen = await waitText(session, '[exit 0]', 15_000);
	assert.match(screen, /Import done\./);
	assert.match(screen, /Logs import summary/);
	// The shell's screen is back, with the end of the dashboard (rates, retries, durations) above the summary.
	assert.match(screen, /\[shell before\]/);
	assert.ok(!screen.includes('Step 5 of 5'), 'the wizard was on the alternate screen');
	assert.match(screen, /Hits recorded .*\/s avg[\s\S]*Logs import summary/);
	assert.match(screen, /3 requests imported successfully/);
	assert.match(screen, /1 invalid log lines/);
	assert.match(screen, /core:archive --force-all-websites/);
	assert.match(
		commandAfter(screen, 'Next time, without questions (for cron):'),
		/^MATOMO_TOKEN_AUTH=… \S+ .*--yes --url=http:\/\/127\.0\.0\.1:\d+ --idsite=1\s/,
	);
	assert.ok(!screen.includes(token), 'the token never shows');

	// What Matomo got: the three page views, for site 1, nothing a correct client would not send.
	assert.deepEqual(matomo.received.map(hit => new URL(hit.params.url!).pathname).sort(), ['/', '/blog/hello', '/pricing']);
	assert.ok(matomo.received.every(hit => hit.params.idsite === '1' && hit.bulk));
	assert.deepEqual(matomo.violations, []);

	// The cron script, where the wizard said, runnable by its owner only, without the token.
	const script = path.join(dir, 'matomo-log-import.cron.sh');
	assert.equal(fs.statSync(script).mode & 0o777, 0o700);
	assert.ok(!fs.readFileSync(script, 'utf8').includes(token));
	// The wizard did use raw mode (the control for the headless test below), and gave it back.
	const switches = fs.readFileSync(rawModeLog, 'utf8').trim().split('\n');
	assert.equal(switches.at(0), 'setRawMode(true)');
	assert.equal(switches.at(-1), 'setRawMode(false)');
});

test('--yes in a real terminal: headless, raw mode never touched', {
	skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it)',
	timeout: 30_000,
}, async () => {
	matomo.reset();
	const dir = tempDir('mli-pty-');
	const log = writeLog(logLines(), 'access.log', dir);
	const rawModeLog = path.join(dir, 'raw-mode.log');
	const session = 'headless';
	startSession(session, ['--import', rawModeTrap, ...cliCommand(), '--yes', `--url=${matomo.url}`, '--idsite=2', log], dir, {
		XDG_STATE_HOME: path.join(dir, 'state'),
		RAW_MODE_LOG: rawModeLog,
		MATOMO_TOKEN_AUTH: token,
	});
	const screen = await waitText(session, '[exit 0]', 20_000);
	assert.match(screen, /3 requests imported successfully/);
	assert.ok(!screen.includes('Step 1 of 5'), 'no wizard');
	assert.ok(!fs.existsSync(rawModeLog), 'raw mode was never switched');
	assert.equal(matomo.received.length, 3);
	assert.ok(matomo.received.every(hit => hit.params.idsite === '2'));
});

test("full screen: the wizard on the alternate screen, drawn whole after a resize, the shell's screen given back on Ctrl+C", {
	skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it)',
	timeout: 30_000,
}, async () => {
	const dir = tempDir('mli-pty-');
	const session = 'fullscreen';
	startSession(session, cliCommand(), dir, {XDG_STATE_HOME: path.join(dir, 'state')});
	await waitText(session, 'Step 1 of 5: Matomo', 15_000);
	const alternate = () => tmux('display-message', '-p', '-t', session, '#{alternate_on}').trim();
	assert.equal(alternate(), '1', 'the alternate screen');
	await type(session, 'http://127.0.0.1:9', 'URL http://127.0.0.1:9');
	// Narrower: the terminal re-flows the old frame; what is on the screen afterwards is one whole frame.
	tmux('resize-window', '-t', session, '-x', '60', '-y', '30');
	let screen = await waitFor(
		session,
		text => text.includes('Step 1 of 5') && text.split('\n').every(line => line.trimEnd().length <= 60),
		'a frame drawn at 60 columns',
	);
	assert.equal(screen.split('Step 1 of 5').length - 1, 1, `one frame, not torn copies:\n${screen}`);
	assert.equal(screen.split('matomo-log-import').length - 1, 1, screen);
	// F1: every key of the step, within the 60 columns.
	key(session, 'F1');
	screen = await waitText(session, 'check the address, then the token');
	assert.match(screen, /F1 \(or \?\) +this help/);
	assert.ok(
		screen.split('\n').every(line => line.trimEnd().length <= 60),
		screen,
	);
	key(session, 'F1');
	await waitFor(session, text => !text.includes('check the address, then the token'), 'the help hidden again');
	tmux('resize-window', '-t', session, '-x', '100', '-y', '40');
	screen = await waitFor(session, text => text.includes('URL http://127.0.0.1:9') && text.split('Step 1 of 5').length === 2, 'a frame drawn at 100 columns');
	key(session, 'C-c');
	screen = await waitText(session, '[exit 130]');
	assert.equal(alternate(), '0', 'the normal screen again');
	assert.match(screen, /\[shell before\]/);
	assert.ok(!screen.includes('Step 1 of 5'), `nothing of the wizard left on the shell's screen:\n${screen}`);
});

/**
 * Holds the loading of Ink until the file $INK_GATE exists: the program's start-up, made as long as the test needs,
 * so that keys can be typed during it without racing it.
 */
const inkGate = `data:text/javascript,${encodeURIComponent(`
import {register} from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import fs from 'node:fs';
export async function resolve(specifier, context, next) {
	if (specifier === 'ink' && process.env.INK_GATE) {
		while (!fs.existsSync(process.env.INK_GATE)) await new Promise(done => setTimeout(done, 20));
	}
	return next(specifier, context);
}
\`));
`)}`;

test('keys typed while the program starts: not echoed by the terminal, not lost', {
	skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it)',
	timeout: 30_000,
}, async () => {
	const dir = tempDir('mli-pty-');
	const rawModeLog = path.join(dir, 'raw-mode.log');
	const gate = path.join(dir, 'ink-may-load');
	const session = 'typeahead';
	startSession(session, ['--import', rawModeTrap, '--import', inkGate, ...cliCommand()], dir, {
		XDG_STATE_HOME: path.join(dir, 'state'),
		RAW_MODE_LOG: rawModeLog,
		INK_GATE: gate,
	});
	// Started, the UI not loaded yet: the terminal must already be in raw mode (no echo).
	await waitFor(
		session,
		() => fs.existsSync(rawModeLog) && fs.readFileSync(rawModeLog, 'utf8').includes('setRawMode(true)'),
		'raw mode before the UI loads',
		15_000,
	);
	tmux('send-keys', '-t', session, '-l', 'http://typed.early:8');
	// A terminal that echoes does so at once, on the shell's screen (the full screen is not on yet).
	await waitFor(session, screen => screen.includes('typed.early') || fs.readFileSync(rawModeLog, 'utf8') !== '', 'the keys in');
	fs.writeFileSync(gate, '');
	let screen = await waitText(session, 'URL http://typed.early:8', 15_000);
	key(session, 'C-c');
	screen = await waitText(session, '[exit 130]');
	assert.ok(!screen.includes('typed.early'), `nothing echoed on the shell's screen:\n${screen}`);
});

test('the build leaves the program executable (run before the cron test: it runs the built program)', {timeout: 120_000}, () => {
	execFileSync('npm', ['run', 'build'], {cwd: root, stdio: 'ignore'});
	assert.ok((fs.statSync(path.join(root, 'dist', 'source', 'cli.js')).mode & 0o111) !== 0);
});

test("the cron hand-off: the saved script and the summary's command run in cron's bare environment and resume", {
	skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it)',
	timeout: 90_000,
}, async () => {
	// Matomo behind HTTP Basic auth, given in the URL: the password must never be printed or put on a command line.
	const password = 'pass-7f3a9c';
	const guarded = await startMatomoDouble({
		token,
		basicAuth: {user: 'proxy', password},
		sites: [{idsite: 1, name: 'Main', main_url: 'http://www.example.com'}],
	});
	try {
		const dir = tempDir('mli-pty-');
		// A long directory name: the cron line needs more than one line of the screen.
		const logs = path.join(dir, 'var-log-nginx-of-the-production-server-cron-reads-nightly');
		fs.mkdirSync(logs);
		const log = writeLog(logLines(), 'access.log', logs);
		const session = 'cron';
		const withCredentials = guarded.url.replace('http://', `http://proxy:${password}@`);
		startSession(session, [path.join(root, 'dist', 'source', 'cli.js')], dir, {XDG_STATE_HOME: path.join(dir, 'state')});

		await waitText(session, 'Step 1 of 5: Matomo', 15_000);
		tmux('send-keys', '-t', session, '-l', withCredentials);
		await waitText(session, `@${new URL(guarded.url).host}`);
		key(session, 'Enter');
		await waitText(session, 'Token');
		await type(session, token, '•'.repeat(token.length));
		key(session, 'Enter');
		await waitText(session, /❯ +1 {2}Main/);
		key(session, 'Enter');
		await waitText(session, 'Step 2 of 5: Log files');
		await type(session, log, /Path .*nightly\/access\.log/);
		key(session, 'Enter');
		await waitText(session, 'Chosen: 1 entry');
		key(session, 'Enter');
		await waitText(session, 'sample lines match');
		key(session, 'Enter');
		await waitText(session, 'Step 4 of 5: What to track');
		key(session, 'Enter');
		let screen = await waitText(session, 'Step 5 of 5: Review');
		const reviewed = commandAfter(screen, 'environment):');
		key(session, 's');
		await waitText(session, 'Saved to');
		key(session, 'Enter');
		screen = await waitText(session, '[exit 0]', 20_000);
		assert.match(screen, /3 requests imported successfully/);
		assert.equal(guarded.received.length, 3);
		const next = commandAfter(screen, 'Next time, without questions (for cron):');
		assert.equal(next, reviewed, 'the review and the summary show the same command');
		assert.ok(!screen.includes(password), 'the password in the URL is never printed');
		assert.match(screen, /core:archive --force-all-websites --url='http:\/\/127\.0\.0\.1:\d+'/);

		const script = path.join(dir, 'matomo-log-import.cron.sh');
		const text = fs.readFileSync(script, 'utf8');
		assert.ok(!text.includes(password) && !text.includes(token), 'no secret in the script');
		assert.ok(!/--(auth-password|token-auth|password)=/.test(text), 'no secret on the command line (ps shows it)');
		const secrets = {MATOMO_TOKEN_AUTH: token, MATOMO_AUTH_PASSWORD: password};

		// Right after the wizard's import: the script resumes, nothing more is sent.
		let cron = await asCron([script], secrets);
		assert.equal(cron.status, 0, cron.output);
		assert.match(cron.output, /0 requests imported successfully/);
		assert.equal(guarded.received.length, 3);
		// It does import: once more from the start with --reimport, then a run after it resumes again.
		cron = await asCron([script, '--reimport'], secrets);
		assert.equal(cron.status, 0, cron.output);
		assert.equal(guarded.received.length, 6);
		cron = await asCron([script], secrets);
		assert.equal(cron.status, 0, cron.output);
		assert.equal(guarded.received.length, 6);

		// The summary's command, copied from the screen, runs as cron runs it, with the secrets in its environment.
		cron = await asCron(['-c', next.replace(/^(MATOMO_\w+=… )+/, '')], secrets);
		assert.equal(cron.status, 0, cron.output);
		assert.match(cron.output, /0 requests imported successfully/);
		assert.equal(guarded.received.length, 6);
		assert.deepEqual(guarded.violations, []);
	} finally {
		await guarded.close();
	}
});
