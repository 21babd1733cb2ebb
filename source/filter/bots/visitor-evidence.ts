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

export class VisitorEvidence {
	pages = 0;
	assets = 0;
	robots = false;
	pagesWithoutReferrer = 0;
	/** Log time (seconds) of the first and last page. */
	firstPage = -1;
	lastPage = -1;
	/** Intervals between consecutive pages: count, sum, sum of squares (for their variation). */
	intervals = 0;
	intervalSum = 0;
	intervalSquares = 0;
	/** The times of the last RECENT pages, a ring once full (a plain array: a typed one is a costly allocation per visitor). */
	private readonly recent: number[] = [];
	/** Whether RECENT pages ever came within BURST_SECONDS. */
	burst = false;

	constructor(
		readonly ip: string,
		readonly userAgent: string,
	) {}

	/** One parsed line of this visitor (any line: pages, assets, robots.txt, errors). */
	observe(path: string, extension: string, _status: string, referrer: string, seconds: number): void {
		if (path.endsWith('/robots.txt') || path === 'robots.txt') {
			this.robots = true;
			return;
		}

		if (staticExtensions.has(extension) && !notBrowserAssets.has(extension)) {
			// A 304 is a browser checking its cached copy: loaded all the same. Errors (a missing image) count too: asked.
			this.assets++;
			return;
		}

		if (referrer === '' || referrer === '-') this.pagesWithoutReferrer++;
		if (this.lastPage >= 0) {
			const interval = Math.max(0, seconds - this.lastPage);
			this.intervals++;
			this.intervalSum += interval;
			this.intervalSquares += interval * interval;
		} else {
			this.firstPage = seconds;
		}

		this.lastPage = seconds;
		if (this.pages < RECENT) {
			this.recent.push(seconds);
		} else {
			const slot = this.pages % RECENT;
			if (seconds - this.recent[slot]! <= BURST_SECONDS) this.burst = true;
			this.recent[slot] = seconds;
		}

		this.pages++;
	}

	/**
	 * Not proof, but worth waiting for: pages and never an asset, mostly without referrer. A stealthy crawler's pages
	 * come minutes apart; a person with such a visit is rare (a warm cache and typed addresses) and only waits longer.
	 */
	suspicious(): boolean {
		return this.pages >= 2 && this.assets === 0 && this.pagesWithoutReferrer * 2 >= this.pages;
	}

	/** The reasons this visitor is a bot, as a bit set of botReasons (0: no evidence). */
	verdict(): number {
		let reasons = 0;
		if (this.robots) reasons |= bit('robots');
		const {pages} = this;
		const noReferrerShare = pages === 0 ? 0 : this.pagesWithoutReferrer / pages;
		if (
			this.assets === 0 ? pages >= NO_ASSET_PAGES_ANY_REFERRER || (pages >= NO_ASSET_PAGES && noReferrerShare >= 0.5) : pages >= this.assets * PAGES_PER_ASSET
		)
			reasons |= bit('noAssets');
		// Many people behind one address with one browser build can add up to that rate; they load assets and follow links.
		if (this.burst && (this.assets === 0 || noReferrerShare >= 0.5)) reasons |= bit('rate');
		const mean = this.intervals === 0 ? 0 : this.intervalSum / this.intervals;
		if (this.intervals >= REGULAR_INTERVALS && mean >= REGULAR_MEAN_SECONDS) {
			const variance = Math.max(0, this.intervalSquares / this.intervals - mean * mean);
			if (Math.sqrt(variance) / mean < REGULAR_VARIATION) reasons |= bit('regular');
		}

		if (pages >= NO_REFERRER_PAGES && noReferrerShare >= 0.8 && mean < NO_REFERRER_MEAN_SECONDS) reasons |= bit('noReferrer');
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
