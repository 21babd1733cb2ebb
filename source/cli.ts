/**
 * matomo-log-import: in a terminal without --yes, the wizard and the live dashboard; otherwise (cron, pipes, CI)
 * headless: no prompts, progress on stderr, the summary on stdout, exit codes that say what happened. Started by
 * the installed command (bin.ts), which gives it its Node settings.
 */
import {releaseKeys} from './ui/hold-keys.js';
import fs from 'node:fs';
import process from 'node:process';
import {parseArgv, UsageError} from './options/argv.js';
import {buildConfig, type ImportConfig} from './options/config.js';
import {RunSession} from './run/session.js';
import {stopParseWorkers} from './parse/parsed-source.js';
import {renderSummary, summaryJson} from './report/summary.js';
import {startHeadlessProgress, startMatomoErrorLog} from './report/headless.js';
import {isInteractive} from './report/terminal.js';
import {levelOf} from './log-level.js';

let writeOut = (text: string) => {
	process.stdout.write(text);
};

let writeErr = (text: string) => {
	process.stderr.write(text);
};

function redirectOutput(file: string): void {
	// --output: stdout and stderr are appended to FILE (the reference re-binds sys.stdout and sys.stderr).
	const fd = fs.openSync(file, 'a');
	writeOut = text => fs.writeSync(fd, text);
	writeErr = writeOut;
}

function logLine(message: string): void {
	const stamp = new Date().toISOString().replace('T', ' ').slice(0, 19);
	const {level, text} = levelOf(message);
	writeErr(`${stamp}: [${level}] ${text}\n`);
}

async function runHeadless(config: ImportConfig): Promise<number> {
	if (config.files.length === 0) throw new UsageError('no log file given: name one or more files, glob patterns or - for stdin');
	if (config.url === undefined && !config.dryRun) throw new UsageError('--url is required: the address of your Matomo, e.g. --url=https://matomo.example.com');
	// The HTTP client (undici) loads only when there is a Matomo to talk to: an offline dry run starts faster.
	// As in import_logs.py: progress lines by default when stdout is a terminal (a --yes run by hand).
	const showProgress = config.showProgress ?? Boolean(process.stdout.isTTY);
	let progress: {stop(): void} | undefined;
	let errorLog: {stop(): void} | undefined;
	const session = new RunSession(config, {
		log: message => logLine(message),
		onStart: run => {
			if (showProgress) progress = startHeadlessProgress(run, {intervalMs: config.showProgressDelayMs, write: line => writeErr(line + '\n')});
			// Failed requests and their retries, always (as import_logs.py): a run that slows down says why.
			errorLog = startMatomoErrorLog(run, {maxAttempts: config.retryMaxAttempts, write: line => writeErr(line + '\n')});
		},
	});
	// Handlers first: a signal while Matomo is still being checked ends the program cleanly too.
	let signals = 0;
	const onSignal = (signal: NodeJS.Signals) => {
		signals++;
		const code = signal === 'SIGTERM' ? 143 : 130;
		if (signals === 1) {
			writeErr(`\n${signal}: finishing the requests in flight, then stopping (again to stop at once)…\n`);
			session.stop('graceful', code);
		} else if (signals === 2) {
			session.stop('abandon', code);
		} else {
			// A worker thread still running at process.exit can crash in its teardown: end it first.
			void stopParseWorkers().finally(() => process.exit(code));
		}
	};

	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		const outcome = await session.run();
		progress?.stop();
		errorLog?.stop();
		if (outcome.dump !== undefined) {
			writeErr(outcome.dump + '\n');
			return 0;
		}

		const state = outcome.state;
		if (config.json) {
			writeOut(JSON.stringify(summaryJson(state, outcome.exitCode)) + '\n');
		} else {
			writeOut(renderSummary(state, {apiUrl: config.apiUrl}) + '\n');
		}

		if (state.failure) writeErr(`Fatal error: ${state.failure}\n`);
		if (outcome.exitCode >= 128) writeErr('Stopped. Run the same command again to resume.\n');
		// Stopped while Matomo was being checked: that request may hang for its whole timeout, and nothing else runs
		// (no worker thread, nothing sent): leave once the output is written.
		if (!session.importRun && outcome.exitCode >= 128) leaveWhenWritten = true;
		return outcome.exitCode;
	} finally {
		progress?.stop();
		errorLog?.stop();
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
		await session.close();
	}
}

async function main(): Promise<number> {
	let parsed: ReturnType<typeof parseArgv>;
	let config: ImportConfig;
	try {
		parsed = parseArgv(process.argv.slice(2), import.meta);
		config = buildConfig(parsed.given, parsed.files);
	} catch (error) {
		if (error instanceof UsageError) {
			process.stderr.write(`matomo-log-import: ${error.message}\n`);
			return 2;
		}

		throw error;
	}

	if (config.output) redirectOutput(config.output);
	if (!isInteractive(config)) releaseKeys();
	if (isInteractive(config)) {
		const {runInteractive} = await import('./ui/start.js');
		return runInteractive(config, parsed.given);
	}

	try {
		return await runHeadless(config);
	} catch (error) {
		if (error instanceof UsageError) {
			writeErr(`matomo-log-import: ${error.message}\n`);
			return 2;
		}

		if (error instanceof Error && error.name === 'MatomoSetupError') {
			writeErr(`Fatal error: ${error.message}\n`);
			return 1;
		}

		throw error;
	}
}

/** Exit once stdout is written, not waiting for the event loop to empty (see runHeadless). */
let leaveWhenWritten = false;

main().then(
	code => {
		process.exitCode = code;
		if (leaveWhenWritten) process.stdout.write('', () => process.exit(code));
	},
	(error: unknown) => {
		writeErr(`Fatal error: ${error instanceof Error ? error.message : String(error)}\n`);
		if (process.env.MATOMO_LOG_IMPORT_DEBUG) console.error(error);
		process.exitCode = 1;
	},
);
