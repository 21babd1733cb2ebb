/**
 * The import summary: the reference's sections and counters (so scripts that read it keep working), plus the lines
 * for what the reference dropped silently (excluded paths) or could not do (resume). Also as one JSON object.
 */
import type {RunState, SkipReason} from '../core/run-state.js';
import {pythonFloatText} from '../python/semantics.js';
import {wrapWords} from './wrap.js';
import {listeningSummaryJson, renderListeningSummary} from './listening-stats.js';
import {redactUrl} from '../options/equivalent-command.js';
import {botsJson, renderBotsSummary} from './bots-summary.js';

const tips = `        TIPs:
         - if one of these hosts is an alias host for one of the websites
           in Matomo, you can add this host as an "Alias URL" in Settings > Websites.
         - use --add-sites-new-hosts if you wish to automatically create
           one website for each of these hosts in Matomo rather than discarding
           these requests.
         - use --idsite-fallback to force all these log lines with a new hostname
           to be recorded in a specific idsite (for example for troubleshooting/visualizing the data)
         - use --idsite to force all lines in the specified log files
           to be all recorded in the specified idsite
         - or you can also manually create a new Website in Matomo with the URL set to this hostname`;

/** The reasons in the order the reference prints them, then ours. */
const ignoredLines: Array<[SkipReason, string]> = [
	['httpError', 'HTTP errors'],
	['httpRedirect', 'HTTP redirects'],
	['invalid', 'invalid log lines'],
	['filtered', 'filtered log lines'],
	['noSite', 'requests did not match any known site'],
	['hostnameMismatch', 'requests did not match any --hostname'],
	['bot', 'requests done by bots, search engines...'],
	['static', 'requests to static resources (css, js, images, ico, ttf...)'],
	['skippedDownload', 'requests to file downloads did not match any --download-extensions'],
	['excludedPath', 'requests to paths excluded by --exclude-path'],
	['notIncludedPath', 'requests to paths not in --include-path'],
	['trackerInvalid', 'requests rejected by Matomo as invalid'],
];

export function totalIgnored(state: RunState): number {
	return ignoredLines.reduce((sum, [reason]) => sum + state.counters.skipped[reason], 0);
}

function elapsedSeconds(state: RunState): number {
	return ((state.finishedAt ?? Date.now()) - state.startedAt) / 1000;
}

function plural(n: number, one: string, many: string): string {
	return `${n} ${n === 1 ? one : many}`;
}

/** Requests Matomo failed and how many were tried again: the waits of the run had a cause. */
function retriesText(state: RunState): string {
	const c = state.counters;
	const failed = state.matomoErrors.filter(error => !error.willRetry).length;
	const last = state.matomoErrors.at(-1);
	return (
		`Matomo errors: ${plural(c.retries, 'request retried', 'requests retried')}, ${plural(failed, 'failed for good', 'failed for good')}` +
		`${last ? ` (last: ${last.message})` : ''}`
	);
}

export interface SummaryContext {
	/** --api-url or --url, for the archive command. */
	apiUrl: string | undefined;
}

export function renderSummary(state: RunState, context: SummaryContext): string {
	const c = state.counters;
	const s = c.skipped;
	const out: string[] = [''];
	if (state.trackerInvalidLines.length > 0) {
		out.push(
			'Invalid log lines',
			'-----------------',
			'',
			'The following lines were not tracked by Matomo, either due to a malformed tracker request or error in the tracker:',
			'',
			wrapWords(state.trackerInvalidLines.join(', '), 80),
			'',
		);
	}

	out.push(
		'Logs import summary',
		'-------------------',
		'',
		`    ${c.hitsRecorded} requests imported successfully${state.dryRun ? ' (dry run: nothing was sent)' : ''}`,
		// With --track-listening-time a listen to a mount point (/stream.mp3) counts here, but is not sent as a download.
		`    ${c.downloads} requests were downloads${state.listening ? ' (listens to a mount point among them: sent as page views with a "Listening" event, not as downloads)' : ''}`,
		`    ${totalIgnored(state)} requests ignored:`,
	);
	for (const [reason, label] of ignoredLines) {
		// Ours only when they happened: the reference's lines always show.
		if (['excludedPath', 'notIncludedPath', 'trackerInvalid'].includes(reason) && s[reason] === 0) continue;
		out.push(`        ${s[reason]} ${label}`);
	}

	if (s.skipOption > 0) out.push(`    ${s.skipOption} lines skipped with --skip`);
	if (s.alreadyImported > 0) out.push(`    ${s.alreadyImported} lines skipped as already imported by an earlier run (--reimport to import them again)`);

	const created = state.sites.created;
	const createdIds = new Set(created.map(([, id]) => id));
	const existing = state.sites.known.filter(id => !createdIds.has(id)).length;
	out.push(
		'',
		'Website import summary',
		'----------------------',
		'',
		`    ${c.hitsRecorded} requests imported to ${state.sites.known.length} sites`,
		`        ${existing} sites already existed`,
		`        ${created.length} sites were created:`,
		...created.map(([host, id]) => `            ${host} (ID: ${id})`),
		`    ${state.sites.ignoredHosts.length} distinct hostnames did not match any existing site:`,
		...state.sites.ignoredHosts.map(host => `            ${host}`),
	);
	if (state.sites.ignoredHosts.length > 0) out.push('', tips);

	if (state.bots) out.push(...renderBotsSummary(state.bots, state.dryRun));
	if (state.listening) out.push('', renderListeningSummary(state.listening.mounts, state.listening.total).replace(/\n+$/, ''));

	const elapsed = elapsedSeconds(state);
	const speed = elapsed > 0 ? Math.round((c.hitsRecorded / elapsed) * 100) / 100 : 0;
	out.push(
		'',
		'Performance summary',
		'-------------------',
		'',
		// Whole seconds as the reference prints them; under one, the hundredths ("0 seconds" beside a rate says nothing).
		`    Total time: ${elapsed < 1 ? elapsed.toFixed(2) : Math.trunc(elapsed)} seconds`,
		`    Requests imported per second: ${pythonFloatText(speed)} requests per second`,
		...(c.retries > 0 || state.matomoErrors.length > 0 ? [`    ${retriesText(state)}`] : []),
		...(state.adaptiveConcurrency ? [`    Recorders: auto, settled on ${state.concurrency} requests in flight of up to ${state.batchSize} hits`] : []),
		'',
		'Processing your log data',
		'------------------------',
		'',
		'    In order for your logs to be processed by Matomo, you may need to run the following command:',
		`     ./console core:archive --force-all-websites --url='${redactUrl(context.apiUrl ?? '')}'`,
		'',
	);
	return out.join('\n');
}

/** The same as one JSON object (`--json`), for scripts. */
export function summaryJson(state: RunState, exitCode: number): Record<string, unknown> {
	const c = state.counters;
	return {
		status: state.phase === 'failed' ? 'failed' : exitCode === 0 ? 'ok' : exitCode >= 128 ? 'stopped' : 'partial',
		exitCode,
		failure: state.failure,
		dryRun: state.dryRun,
		imported: c.hitsRecorded,
		downloads: c.downloads,
		linesRead: c.linesRead,
		ignored: totalIgnored(state),
		skipped: {...c.skipped},
		requests: c.requests,
		retries: c.retries,
		recorders: {concurrency: state.concurrency, auto: state.adaptiveConcurrency, batchSize: state.batchSize},
		sites: {
			count: state.sites.known.length,
			ids: state.sites.known,
			created: state.sites.created.map(([host, id]) => ({host, id})),
			unmatchedHosts: state.sites.ignoredHosts,
		},
		invalidLines: state.trackerInvalidLines,
		inputs: state.inputs.map(input => ({
			path: input.path,
			format: input.format,
			formatReason: input.formatReason,
			lines: input.linesRead,
			hits: input.hits,
			status: input.phase,
			message: input.message,
		})),
		notices: state.notices,
		...(state.bots ? {bots: botsJson(state.bots)} : {}),
		...(state.listening ? {listening: listeningSummaryJson(state.listening.mounts, state.listening.total)} : {}),
		seconds: Math.round(elapsedSeconds(state) * 1000) / 1000,
	};
}
