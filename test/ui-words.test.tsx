/** @jsxRuntime automatic */
/** Words on the dashboard: plurals that agree, the one other reason named, one style for rates. */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {createRunState} from '../source/run/run-state.js';
import {SkippedPanel} from '../source/ui/skipped-panel.js';
import {HiddenSamples} from '../source/ui/samples-panel.js';
import {formatRate} from '../source/ui/units.js';
import {screen} from './ink-helpers.js';

test('one more Matomo error is one error', () => {
	const one = render(<HiddenSamples hidden={{invalid: 0, errors: 1}} />);
	assert.match(screen(one), /1 more Matomo error not shown/);
	const many = render(<HiddenSamples hidden={{invalid: 2, errors: 1200}} />);
	assert.match(screen(many), /2 more invalid lines, 1,200 more Matomo errors not shown/);
});

test('the skipped lines beyond the rows shown: the one other reason is named, several are counted', () => {
	const state = createRunState(false);
	state.counters.linesRead = 10_000;
	const counts = [900, 800, 700, 600, 500, 400];
	(['invalid', 'httpError', 'httpRedirect', 'static', 'bot', 'excludedPath'] as const).forEach((reason, index) => {
		state.counters.skipped[reason] = counts[index]!;
	});
	state.counters.skipped.noSite = 1783;
	const one = render(<SkippedPanel state={state} width={100} maxRows={6} />);
	assert.match(screen(one), /… 400 for excluded paths/);
	assert.doesNotMatch(screen(one), /other reasons/);
	const two = render(<SkippedPanel state={state} width={100} maxRows={5} />);
	assert.match(screen(two), /… 900 for 2 other reasons/);
});

test('rates: one style from a thousand up', () => {
	assert.equal(formatRate(4.25), '4.3');
	assert.equal(formatRate(812), '812');
	assert.equal(formatRate(9182), '9.2k');
	assert.equal(formatRate(18_200), '18.2k');
	assert.equal(formatRate(1_250_000), '1.3M');
});
