/**
 * What to import: the reference's `check_*` methods in their (alphabetical) order, then `is_filtered`. The first
 * check that fails names the skip reason; only that one is counted. `check_download` counts downloads before the
 * other checks, as the reference does (so a robots.txt counts as a download and is then skipped as static).
 */
import type {Hit} from '../parse/hit.js';
import type {SkipReason} from '../core/run-state.js';
import {fnmatchRegExp, urlHostname} from '../python/semantics.js';
import type {DateBound} from '../options/config.js';
import {hasBotSubstring, staticExtensions, staticFiles} from './lists.js';
import {isModernBotAgent} from './bots/modern-agents.js';
import type {BotDetection} from './bots/levels.js';

export interface CheckOptions {
	downloadExtensions: ReadonlySet<string>;
	knownDownloadExtensions: ReadonlySet<string>;
	hostnames: readonly string[];
	enableHttpErrors: boolean;
	enableHttpRedirects: boolean;
	excludedPaths: readonly string[];
	includedPaths: readonly string[];
	enableStatic: boolean;
	enableBots: boolean;
	/** Not `reference`: isbot's list too. */
	botDetection: BotDetection;
	excludedUserAgents: readonly string[];
	replayTracking: boolean;
	includeHosts: readonly string[] | undefined;
	excludeHosts: readonly string[] | undefined;
	excludeOlderThan: DateBound | undefined;
	excludeNewerThan: DateBound | undefined;
}

export interface CheckCounters {
	downloads: number;
}

/** Compiled once per run. */
export interface Checks {
	/**
	 * Steps 18 (checks) — before the date is parsed. Returns the skip reason or undefined. `listed`: whether the bot
	 * lists name the hit's user agent, when the caller knows already (the evidence table of --bot-detection=behavior).
	 */
	beforeDate(hit: Hit, counters: CheckCounters, listed?: boolean): SkipReason | undefined;
	/** Step 22 (`is_filtered`) — after the date. Returns a description of the filter or undefined. */
	filtered(hit: Hit): string | undefined;
}

function compare(hit: Hit, bound: DateBound): number {
	return hit.seconds === bound.seconds ? hit.micros - bound.micros : hit.seconds - bound.seconds;
}

export function compileChecks(options: CheckOptions): Checks {
	const hostnamePatterns = options.hostnames.map(pattern => fnmatchRegExp(pattern));
	const excluded = options.excludedPaths.map(pattern => fnmatchRegExp(pattern));
	const included = options.includedPaths.map(pattern => fnmatchRegExp(pattern));
	const userAgents = options.excludedUserAgents;
	const includeHosts = options.includeHosts ? new Set(options.includeHosts) : undefined;
	const excludeHosts = options.excludeHosts ? new Set(options.excludeHosts) : undefined;
	const {downloadExtensions, knownDownloadExtensions} = options;

	// Logs repeat a few thousand user agents millions of times: remember each one's answer (bounded).
	const botCache = new Map<string, boolean>();
	const modern = options.botDetection !== 'reference';
	function isBot(userAgent: string): boolean {
		let bot = botCache.get(userAgent);
		if (bot === undefined) {
			bot = hasBotSubstring(userAgent, userAgents) || (modern && isModernBotAgent(userAgent));
			if (botCache.size >= 10_000) botCache.clear();
			botCache.set(userAgent, bot);
		}

		return bot;
	}

	return {
		beforeDate(hit, counters, listed) {
			// check_download
			if (downloadExtensions.has(hit.extension)) {
				counters.downloads++;
				hit.isDownload = true;
			} else if (knownDownloadExtensions.has(hit.extension)) {
				return 'skippedDownload';
			}

			// check_hostname
			if (hostnamePatterns.length > 0 && hit.host !== undefined) {
				const host = hit.host;
				if (!hostnamePatterns.some(pattern => pattern.test(host))) return 'hostnameMismatch';
			}

			const first = hit.status.charCodeAt(0);
			// check_http_error: 4xx and 5xx
			if ((first === 52 || first === 53) && !options.replayTracking) {
				if (!options.enableHttpErrors) return 'httpError';
				hit.isError = true;
			}

			// check_http_redirect: 3xx but 304 (replay mode does not bypass this one)
			if (first === 51 && hit.status !== '304') {
				if (!options.enableHttpRedirects) return 'httpRedirect';
				hit.isRedirect = true;
			}

			// check_path
			if (excluded.length > 0 && excluded.some(pattern => pattern.test(hit.path))) return 'excludedPath';
			if (included.length > 0 && !included.some(pattern => pattern.test(hit.path))) return 'notIncludedPath';

			// check_static
			if (staticExtensions.has(hit.extension) || (hit.path.endsWith('robots.txt') && staticFiles.has(hit.path.slice(hit.path.lastIndexOf('/') + 1)))) {
				if (!options.enableStatic) return 'static';
				hit.isDownload = true;
			}

			// check_user_agent
			if (listed ?? isBot(hit.userAgent)) {
				if (!options.enableBots) return 'bot';
				hit.isRobot = true;
			}

			return undefined;
		},

		filtered(hit) {
			const host = hit.host ?? urlHostname(hit.path);
			if (host) {
				if (excludeHosts?.has(host)) return 'host matched --exclude-host';
				if (includeHosts && !includeHosts.has(host)) return 'host did not match --include-host';
			}

			if (options.excludeOlderThan && compare(hit, options.excludeOlderThan) < 0) return 'date is older than --exclude-older-than';
			if (options.excludeNewerThan && compare(hit, options.excludeNewerThan) > 0) return 'date is newer than --exclude-newer-than';
			return undefined;
		},
	};
}
