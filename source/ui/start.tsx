/**
 * The interactive entry: renders the app in the terminal and returns the exit code. Ink's own Ctrl+C handling is
 * off (raw mode turns Ctrl+C into a key): the app decides between a graceful stop and leaving at once.
 */
import {EventEmitter} from 'node:events';
import process from 'node:process';
import type {ReactElement} from 'react';
import {render, renderToString} from 'ink';
import {enterFullScreen} from './full-screen.js';
import type {ImportConfig} from '../options/config.js';
import {stopParseWorkers} from '../parse/parsed-source.js';
import {App} from './app.js';
import type {GivenMap} from './given.js';

export async function runInteractive(config: ImportConfig, given: GivenMap): Promise<number> {
	const signals = new EventEmitter();
	let exitCode = 0;
	let immediate = false;
	let report: ReactElement | undefined;
	const fullScreen = enterFullScreen(process.stdout);
	const instance = render(
		<App
			given={new Map(given)}
			files={config.files}
			env={process.env}
			cwd={process.cwd()}
			color={config.color}
			signals={signals}
			onExit={(code, now) => {
				exitCode = code;
				immediate = now;
			}}
			onFinal={final => {
				report = final;
			}}
		/>,
		{exitOnCtrlC: false},
	);
	fullScreen.redrawOnResize(() => {
		instance.clear();
	});

	// Signals from outside (kill, a closing terminal): the same as Ctrl+C in the app.
	const onSigint = () => signals.emit('interrupt', 130);
	const onSigterm = () => signals.emit('interrupt', 143);
	process.on('SIGINT', onSigint);
	process.on('SIGTERM', onSigterm);
	try {
		await instance.waitUntilExit();
	} finally {
		process.off('SIGINT', onSigint);
		process.off('SIGTERM', onSigterm);
		fullScreen.leave();
	}

	// The shell's screen is back: the end of the dashboard and the summary stay there.
	if (report) process.stdout.write(`${renderToString(report, {columns: process.stdout.columns || 80})}\n`);

	if (immediate) {
		// "At once": requests being cut may hold sockets for a moment; do not wait for them. The parse worker is
		// ended first: a thread still running at process.exit can crash in its teardown.
		await stopParseWorkers();
		setTimeout(() => process.exit(exitCode), 300).unref();
	}

	return exitCode;
}
