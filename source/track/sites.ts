/**
 * Which Matomo site a hit goes to (inventory §5): one site for everything (--idsite), the site of the hit's host
 * (looked up once per host, created in order of first appearance with --add-sites-new-hosts), or in replay mode the
 * replayed `idsite`.
 */
import type {Hit} from '../parse/hit.js';
import type {SiteSummary} from '../core/run-state.js';
import type {SiteTarget} from './tracking-request.js';

/** The part of the Matomo client the resolvers use. */
export interface SiteApi {
	api<T = unknown>(method: string, params?: Record<string, string | number | string[]>): Promise<T>;
}

export interface SiteResolver {
	/** Synchronous answer when known: a site, `null` for "no site", `undefined` when a lookup is needed. */
	cached(hit: Hit): SiteTarget | null | undefined;
	resolve(hit: Hit): Promise<SiteTarget | null>;
	readonly summary: SiteSummary;
	/** Messages for the run's notices (a site that could not be created). */
	readonly notices: string[];
	/** The one site of every hit (--idsite), when it does not depend on the hit. */
	readonly fixed?: SiteTarget;
}

export class SiteError extends Error {
	override readonly name = 'SiteError';
}

interface ApiSite {
	idsite?: number | string;
	main_url?: string;
	timezone?: string;
	result?: string;
	message?: string;
}

const noHostname = 'no-hostname-found-in-log';

function addKnown(summary: SiteSummary, id: string): void {
	if (!summary.known.includes(id)) summary.known.push(id);
}

/** --idsite: every hit to one site; its main URL (and so the scheme of tracked URLs) comes from Matomo. */
export async function createStaticResolver(api: SiteApi | undefined, idsite: string): Promise<SiteResolver> {
	let mainUrl = 'http://localhost';
	let timezone: string | undefined;
	if (api) {
		const site = await api.api<ApiSite>('SitesManager.getSiteFromId', {idSite: idsite});
		if (!site || site.result === 'error' || site.main_url === undefined) {
			throw new SiteError(`cannot get the main URL of this site: ${site?.message ?? 'no such site'}`);
		}

		mainUrl = site.main_url;
		timezone = site.timezone;
	}

	const target: SiteTarget = {idsite, mainUrl, timezone};
	const summary: SiteSummary = {known: [idsite], created: [], ignoredHosts: []};
	return {
		cached: () => target,
		resolve: async () => target,
		summary,
		notices: [],
		fixed: target,
	};
}

export interface DynamicOptions {
	idsiteFallback: string | undefined;
	addSitesNewHosts: boolean;
	/** Look sites up but never create them (dry run). */
	readOnly: boolean;
}

/** By host name: cached per host (misses too), new sites created in the order their hosts first appear. */
export function createHostResolver(api: SiteApi | undefined, options: DynamicOptions): SiteResolver {
	const cache = new Map<string, SiteTarget | null>();
	const pending = new Map<string, Promise<SiteTarget | null>>();
	const summary: SiteSummary = {known: [], created: [], ignoredHosts: []};
	const notices: string[] = [];
	/** Each site's time zone (the recorders' day gate keeps the site's days), asked once per site. */
	const timezones = new Map<string, Promise<string | undefined>>();

	function timezoneOf(id: string): Promise<string | undefined> {
		let timezone = timezones.get(id);
		if (timezone === undefined) {
			timezone = api
				? api.api<ApiSite>('SitesManager.getSiteFromId', {idSite: id}).then(
						site => (site && site.result !== 'error' ? site.timezone : undefined),
						() => undefined,
					)
				: Promise.resolve(undefined);
			timezones.set(id, timezone);
		}

		return timezone;
	}

	function hostOf(hit: Hit): string {
		const host = hit.host?.trim();
		return host ? host : noHostname;
	}

	async function lookup(host: string): Promise<SiteTarget | null> {
		let id: string | undefined;
		if (api) {
			const found = await api.api<Array<{idsite: number | string}>>('SitesManager.getSitesIdFromSiteUrl', {url: host});
			if (Array.isArray(found) && found.length > 0) id = String(found[0]!.idsite);
		}

		if (id === undefined && options.idsiteFallback !== undefined) {
			id = options.idsiteFallback;
		} else if (id === undefined && options.addSitesNewHosts && api && !options.readOnly) {
			const created = await api.api<{value?: number | string; result?: string; message?: string}>('SitesManager.addSite', {
				siteName: host,
				urls: [`http://${host}`],
			});
			if (created?.value === undefined) {
				notices.push(`Couldn't create a Matomo site for host ${host}: ${created?.message ?? 'no id returned'}`);
			} else {
				id = String(created.value);
				summary.created.push([host, id]);
			}
		}

		if (id === undefined) {
			if (!summary.ignoredHosts.includes(host)) summary.ignoredHosts.push(host);
			return null;
		}

		addKnown(summary, id);
		return {idsite: id, mainUrl: `http://${host}`, timezone: await timezoneOf(id)};
	}

	return {
		cached(hit) {
			return cache.get(hostOf(hit));
		},
		async resolve(hit) {
			const host = hostOf(hit);
			const known = cache.get(host);
			if (known !== undefined) return known;
			let promise = pending.get(host);
			if (!promise) {
				promise = lookup(host).then(result => {
					cache.set(host, result);
					pending.delete(host);
					return result;
				});
				pending.set(host, promise);
			}

			return promise;
		},
		summary,
		notices,
	};
}

/** Replay mode without --idsite: the replayed `idsite` must be a site Matomo knows (one getAllSites call). */
export async function createReplayResolver(api: SiteApi | undefined): Promise<SiteResolver> {
	const sites = new Map<string, string>();
	if (api) {
		const all = await api.api<unknown>('SitesManager.getAllSites');
		// Matomo answers a list of sites; the reference expected an object keyed by id. Accept both.
		const list: ApiSite[] = Array.isArray(all) ? (all as ApiSite[]) : Object.values((all ?? {}) as Record<string, ApiSite>);
		for (const site of list) {
			if (site?.idsite !== undefined) sites.set(String(site.idsite), site.main_url ?? '');
		}
	}

	const summary: SiteSummary = {known: [], created: [], ignoredHosts: []};
	function find(hit: Hit): SiteTarget | null {
		const id = hit.args?.idsite;
		if (id === undefined) return null;
		const mainUrl = sites.get(id);
		if (mainUrl === undefined && api) {
			const label = `unrecognized site ID ${id}`;
			if (!summary.ignoredHosts.includes(label)) summary.ignoredHosts.push(label);
			return null;
		}

		addKnown(summary, id);
		return {idsite: id, mainUrl: mainUrl ?? 'http://localhost'};
	}

	return {
		cached: find,
		resolve: async hit => find(hit),
		summary,
		notices: [],
	};
}
