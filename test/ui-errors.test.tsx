/** @jsxRuntime automatic */
/** Matomo errors on the dashboard: the whole message, wrapped; while a request waits for its retry, a countdown. */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {Box} from 'ink';
import {render} from 'ink-testing-library';
import {createRunState, type RunState} from '../source/run/run-state.js';
import {SampleLine, SampleFeed} from '../source/ui/samples-panel.js';
import {Dashboard} from '../source/ui/dashboard.js';
import {screen, shows} from './ink-helpers.js';

const message = 'Matomo answered HTTP 500 to a bulk tracking request of 200 hits: Mysqli prepare error: Lock wait timeout exceeded; try restarting transaction';

test('a Matomo error is printed whole, wrapped to the width, not cut', () => {
	// As the samples panel prints it: in a box of the terminal's width.
	const instance = render(
		<Box width={60}>
			<SampleLine
				item={{
					kind: 'matomo',
					key: 'k',
					sample: {seq: 1, at: 0, status: 500, message, attempt: 1, willRetry: true, maxAttempts: 3, retryAt: null},
				}}
				width={60}
			/>
		</Box>,
	);
	const text = screen(instance);
	assert.ok(text.split('\n').length > 2, text);
	assert.ok(
		text.split('\n').every(line => line.length <= 60),
		text,
	);
	assert.equal(text.replace(/\s+/g, ' ').trim(), `⚠ Matomo HTTP 500, attempt 1 of 3, will retry: ${message}`);
});

test('while a request waits for its retry: "retrying in 7 s, attempt 2 of 3" on the dashboard', async () => {
	const state: RunState = createRunState(false);
	const now = Date.now();
	state.phase = 'running';
	state.lanes = [
		{
			id: 0,
			phase: 'retrying',
			queued: 0,
			inFlight: 200,
			requests: 1,
			hitsSent: 0,
			retries: 1,
			lastLatencyMs: 40,
			attempt: 1,
			retryAt: now + 6_800,
		},
	];
	state.matomoErrors = [{seq: 1, at: now, status: 500, message, attempt: 1, willRetry: true, maxAttempts: 3, retryAt: now + 6_800}];
	const run = {snapshot: () => state, pause() {}, resume() {}, setConcurrency() {}, concurrency: 1};
	const instance = render(
		<Dashboard
			run={run}
			target="Matomo"
			sizes={new Map()}
			width={100}
			rows={40}
			feed={new SampleFeed()}
			onLog={() => {}}
			onStop={() => {}}
			stopping={false}
			refreshMs={50}
		/>,
	);
	const text = await shows(instance, /↻ Matomo failed after HTTP 500: retrying in [5-7] s, attempt 2 of 3/);
	assert.match(text, /1 retrying/);
	instance.unmount();
});
