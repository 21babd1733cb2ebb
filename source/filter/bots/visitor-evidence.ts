/**
 * What one visitor's own requests say about it (a visitor: IP and user agent), gathered from every parsed line,
 * before the filters drop static files and robots.txt, and the rules that turn it into a verdict.
 *
 * A browser loads a page's stylesheets, scripts, images and fonts (or asks whether its cached copies are still good:
 * a 304), follows links (so its page views carry the previous page as referrer), and a person reads between clicks
 * at an irregular pace. Crawlers and scrapers fetch pages only, by URL, at a pace no person keeps, and some ask for
 * robots.txt first. No single sign is proof; each rule asks for several pages of evidence.
 */
import {staticExtensions} from '../lists.js';
import {grown} from '../../core/typed-arrays.js';

export type BotReason = 'robots' | 'noAssets' | 'rate' | 'regular' | 'noReferrer';

/** The reasons in the order they are shown, with their labels. */
export const botReasonLabels: Readonly<Record<BotReason, string>> = {
	noAssets: 'never loaded an asset',
	robots: 'robots.txt',
	rate: 'request rate',
	regular: 'regular timing',
	noReferrer: 'deep pages without referrer',
};

export const botReasons = Object.keys(botReasonLabels) as BotReason[];

/** How many recent page times a visitor keeps, for the burst rule. */
const RECENT = 10;
/** RECENT pages within this many seconds: a page a second, faster than anyone reads (even a busy office behind one address and browser build). */
const BURST_SECONDS = 10;
/** Fewer pages than this, and no asset, is no evidence: a single visit from a search engine loads nothing if cached. */
const NO_ASSET_PAGES = 5;
/** This many pages without any asset is a crawler, whatever its referrers say. */
const NO_ASSET_PAGES_ANY_REFERRER = 12;
/** Or this many pages for each asset: a crawler that fetched the favicon once. */
const PAGES_PER_ASSET = 20;
const NO_REFERRER_PAGES = 8;
const NO_REFERRER_MEAN_SECONDS = 8;
/** A clock-driven crawler: intervals of at least REGULAR_MEAN_SECONDS (log times are whole seconds) that vary less than this. */
const REGULAR_INTERVALS = 10;
const REGULAR_VARIATION = 0.12;
const REGULAR_MEAN_SECONDS = 5;

/** Static files that are no sign of a browser: crawlers fetch sitemaps (xml) themselves. */
const notBrowserAssets = new Set(['xml']);

/** What a line is to the evidence: only a page's time matters (the caller reads the date of pages only). */
export type LineKind = 0 | 1 | 2;
export const PAGE_LINE = 0;
export const ASSET_LINE = 1;
export const ROBOTS_LINE = 2;

export function lineKind(path: string, extension: string): LineKind {
	// A page's "extension" is mostly its whole path (the reference's rsplit): longer than any static one, not hashed.
	if (extension.length > longestStaticExtension) return PAGE_LINE;
	if (extension === 'txt') return path.endsWith('/robots.txt') || path === 'robots.txt' ? ROBOTS_LINE : PAGE_LINE;
	return staticExtensions.has(extension) && !notBrowserAssets.has(extension) ? ASSET_LINE : PAGE_LINE;
}

const longestStaticExtension = Math.max(...[...staticExtensions].map(extension => extension.length));

/** What each visitor's record holds: numbers at these offsets of its `STRIDE` slots in an EvidenceStore. */
const PAGES = 0;
const ASSETS = 1;
const ROBOTS = 2;
const PAGES_WITHOUT_REFERRER = 3;
/** Log time (seconds) of the last page. */
const LAST_PAGE = 4;
/** Intervals between consecutive pages: count, sum, sum of squares (for their variation). */
const INTERVALS = 5;
const INTERVAL_SUM = 6;
const INTERVAL_SQUARES = 7;
/** Whether RECENT pages ever came within BURST_SECONDS. */
const BURST = 8;
/** The times of the last RECENT pages, a ring once full. */
const RECENT_AT = 9;
const STRIDE = RECENT_AT + RECENT;

/**
 * The evidence of many visitors, each a record of numbers in one typed array (no object per visitor: a run remembers
 * up to 100,000 of them, and the array goes to and from a parse worker as one block).
 */
export class EvidenceStore {
	constructor(public records: Float64Array<ArrayBuffer> = new Float64Array(1024 * STRIDE)) {}

	/** Room for `slot`; a new visitor's record starts empty. */
	reset(slot: number): void {
		const at = slot * STRIDE;
		if (at + STRIDE > this.records.length) {
			this.records = grown(this.records, new Float64Array(Math.max(this.records.length * 2, at + STRIDE)));
		}

		// A loop, not fill(): a builtin call costs more than the few numbers it clears (one per new visitor).
		const r = this.records;
		for (let i = at; i < at + STRIDE; i++) r[i] = 0;
	}

	/** One parsed line of the visitor in `slot`, of the `kind` lineKind gives (any line: pages, assets, robots.txt, errors). */
	observe(slot: number, kind: LineKind, referrer: string, seconds: number): void {
		const r = this.records;
		const at = slot * STRIDE;
		if (kind === ROBOTS_LINE) {
			r[at + ROBOTS] = 1;
			return;
		}

		if (kind === ASSET_LINE) {
			// A 304 is a browser checking its cached copy: loaded all the same. Errors (a missing image) count too: asked.
			r[at + ASSETS]!++;
			return;
		}

		if (referrer === '' || referrer === '-') r[at + PAGES_WITHOUT_REFERRER]!++;
		const pages = r[at + PAGES]!;
		if (pages > 0) {
			const interval = Math.max(0, seconds - r[at + LAST_PAGE]!);
			r[at + INTERVALS]!++;
			r[at + INTERVAL_SUM]! += interval;
			r[at + INTERVAL_SQUARES]! += interval * interval;
		}

		r[at + LAST_PAGE] = seconds;
		const recent = at + RECENT_AT + (pages % RECENT);
		if (pages >= RECENT && seconds - r[recent]! <= BURST_SECONDS) r[at + BURST] = 1;
		r[recent] = seconds;
		r[at + PAGES] = pages + 1;
	}

	/**
	 * Not proof, but worth waiting for: pages and never an asset, mostly without referrer. A stealthy crawler's pages
	 * come minutes apart; a person with such a visit is rare (a warm cache and typed addresses) and only waits longer.
	 */
	suspicious(slot: number): boolean {
		const r = this.records;
		const at = slot * STRIDE;
		const pages = r[at + PAGES]!;
		return pages >= 2 && r[at + ASSETS] === 0 && r[at + PAGES_WITHOUT_REFERRER]! * 2 >= pages;
	}

	/** The reasons the visitor in `slot` is a bot, as a bit set of botReasons (0: no evidence). */
	verdict(slot: number): number {
		const r = this.records;
		const at = slot * STRIDE;
		let reasons = 0;
		if (r[at + ROBOTS] === 1) reasons |= ROBOTS_BIT;
		const pages = r[at + PAGES]!;
		const assets = r[at + ASSETS]!;
		const noReferrerShare = pages === 0 ? 0 : r[at + PAGES_WITHOUT_REFERRER]! / pages;
		if (assets === 0 ? pages >= NO_ASSET_PAGES_ANY_REFERRER || (pages >= NO_ASSET_PAGES && noReferrerShare >= 0.5) : pages >= assets * PAGES_PER_ASSET)
			reasons |= NO_ASSETS_BIT;
		// Many people behind one address with one browser build can add up to that rate; they load assets and follow links.
		if (r[at + BURST] === 1 && (assets === 0 || noReferrerShare >= 0.5)) reasons |= RATE_BIT;
		const intervals = r[at + INTERVALS]!;
		const mean = intervals === 0 ? 0 : r[at + INTERVAL_SUM]! / intervals;
		if (intervals >= REGULAR_INTERVALS && mean >= REGULAR_MEAN_SECONDS) {
			const variance = Math.max(0, r[at + INTERVAL_SQUARES]! / intervals - mean * mean);
			if (Math.sqrt(variance) / mean < REGULAR_VARIATION) reasons |= REGULAR_BIT;
		}

		if (pages >= NO_REFERRER_PAGES && noReferrerShare >= 0.8 && mean < NO_REFERRER_MEAN_SECONDS) reasons |= NO_REFERRER_BIT;
		return reasons;
	}
}

export function bit(reason: BotReason): number {
	return 1 << botReasons.indexOf(reason);
}

/** The labels of a bit set of reasons, in display order. */
export function reasonLabels(reasons: number): string[] {
	return botReasons.filter(reason => (reasons & bit(reason)) !== 0).map(reason => botReasonLabels[reason]);
}

const ROBOTS_BIT = bit('robots');
const NO_ASSETS_BIT = bit('noAssets');
const RATE_BIT = bit('rate');
const REGULAR_BIT = bit('regular');
const NO_REFERRER_BIT = bit('noReferrer');
