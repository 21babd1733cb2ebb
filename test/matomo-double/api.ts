/**
 * The Reporting API side of the Matomo double (`index.php?module=API&method=…&format=json`), limited to the methods
 * an importer calls, with Matomo 5's access rules and error texts:
 *
 * - A token that Matomo does not know: HTTP 401, "Unable to authenticate with the provided token. It is either
 *   invalid or expired." A token sent in the URL is refused the same way with "…, expired or is required to be sent
 *   as a POST parameter." (Matomo 5 "secure only" tokens; the double treats every token so unless
 *   `acceptTokenInUrl`).
 * - No token at all: anonymous, which has no view access here, so every method but createAppSpecificTokenAuth
 *   fails with "You can't access this resource as it requires 'view' access for at least one website." (HTTP 401;
 *   Matomo 5 answers NoAccessException with 401, older versions with 200).
 * - `addSite` and `getAllSites` need Super User access, as in Matomo.
 * - Other errors (unknown method, missing parameter) are HTTP 200 with `{"result":"error","message":…}`.
 * - `getAllSites` answers an object keyed by idsite (PHP array with keys 1..n, as Matomo's JSON renderer gives),
 *   the other site lists answer JSON arrays.
 */
import type {DoubleState} from './state.js';
import type {AccessLevel, DoubleSite} from './types.js';

export interface ApiAnswer {
	status: number;
	body: unknown;
}

interface Context {
	state: DoubleState;
	params: Record<string, string>;
	level: AccessLevel | null;
}

class ApiError extends Error {
	constructor(
		message: string,
		readonly status = 200,
	) {
		super(message);
	}
}

const noViewAccess = "You can't access this resource as it requires 'view' access for at least one website.";

function requireView(ctx: Context): void {
	if (!ctx.level) throw new ApiError(noViewAccess, 401);
}

function requireSuperUser(ctx: Context): void {
	requireView(ctx);
	if (ctx.level !== 'superuser') throw new ApiError("You can't access this resource as it requires 'superuser' access.", 401);
}

function required(ctx: Context, name: string): string {
	const value = ctx.params[name];
	if (value === undefined || value === '') throw new ApiError(`Please specify a value for '${name}'.`);
	return value;
}

/** PHP array params arrive as `urls[0]`, `urls[1]`, … (or `urls[]`); Matomo also takes a comma-separated string. */
function listParam(params: Record<string, string>, name: string): string[] {
	const items = Object.entries(params)
		.filter(([key]) => key.startsWith(`${name}[`))
		.map(([, value]) => value);
	if (items.length > 0) return items;
	const plain = params[name];
	return plain
		? plain
				.split(',')
				.map(item => item.trim())
				.filter(Boolean)
		: [];
}

function siteObject(state: DoubleState, site: DoubleSite): Record<string, unknown> {
	return {
		idsite: state.id(site.idsite),
		name: site.name,
		main_url: site.main_url,
		ts_created: '2020-01-01 00:00:00',
		ecommerce: 0,
		sitesearch: 1,
		sitesearch_keyword_parameters: '',
		sitesearch_category_parameters: '',
		timezone: site.timezone ?? 'UTC',
		currency: 'USD',
		exclude_unknown_urls: 0,
		excluded_ips: '',
		excluded_parameters: '',
		excluded_user_agents: '',
		excluded_referrers: '',
		group: '',
		type: 'website',
		keep_url_fragment: 0,
		creator_login: 'admin',
		timezone_name: site.timezone ?? 'UTC',
		currency_name: 'US Dollar',
	};
}

const stripSlash = (url: string) => url.replace(/\/+$/, '');

/** SitesManager::getNormalizedUrls of Matomo 4/5: the URL as given, plus http(s) and www. variants of its host. */
function urlVariants(url: string): string[] {
	const given = stripSlash(url.trim());
	const host = given.replace('www.', '').replace('http://', '').replace('https://', '');
	return [given, `http://${host}`, `http://www.${host}`, `https://${host}`, `https://www.${host}`].map(u => u.toLowerCase());
}

const looksLikeUrl = (url: string) => /^([a-z][a-z0-9+.-]*:)?\/\/./i.test(url);

const methods: Record<string, (ctx: Context) => unknown> = {
	'API.getMatomoVersion': ctx => {
		requireView(ctx);
		return {value: ctx.state.version};
	},
	'API.getPiwikVersion': ctx => {
		requireView(ctx);
		return {value: ctx.state.version};
	},
	'SitesManager.getSiteFromId': ctx => {
		requireView(ctx);
		const raw = required(ctx, 'idSite');
		const site = /^\d+$/.test(raw) ? ctx.state.site(Number(raw)) : undefined;
		if (!site) {
			if (ctx.level !== 'superuser') {
				throw new ApiError(`You can't access this resource as it requires 'view' access for the website id = ${raw}.`, 401);
			}
			throw new ApiError(`An unexpected website was found in the request: website id was set to '${raw}' .`);
		}
		return siteObject(ctx.state, site);
	},
	'SitesManager.getSitesIdFromSiteUrl': ctx => {
		requireView(ctx);
		const variants = new Set(urlVariants(required(ctx, 'url')));
		return ctx.state.sites
			.filter(site => [site.main_url, ...(site.urls ?? [])].some(u => variants.has(stripSlash(u).toLowerCase())))
			.map(site => ({idsite: ctx.state.id(site.idsite)}));
	},
	'SitesManager.addSite': ctx => {
		requireSuperUser(ctx);
		const name = (ctx.params.siteName ?? '').trim();
		if (!name) throw new ApiError("The website name can't be empty.");
		const urls = listParam(ctx.params, 'urls').map(stripSlash);
		if (urls.length === 0) throw new ApiError('You must specify at least one URL for the site.');
		for (const url of urls) if (!looksLikeUrl(url)) throw new ApiError(`The url '${url}' is not a valid URL.`);
		const idsite = Math.max(0, ...ctx.state.sites.map(site => site.idsite)) + 1;
		const [main_url = '', ...aliases] = urls;
		ctx.state.sites.push({idsite, name, main_url, urls: aliases});
		return {value: ctx.state.id(idsite)};
	},
	'SitesManager.getAllSites': ctx => {
		requireSuperUser(ctx);
		const byId: Record<string, unknown> = {};
		for (const site of ctx.state.sites) byId[String(site.idsite)] = siteObject(ctx.state, site);
		return byId;
	},
	'SitesManager.getSitesWithAdminAccess': ctx => {
		requireView(ctx);
		return ctx.level === 'view' ? [] : ctx.state.sites.map(site => siteObject(ctx.state, site));
	},
	'SitesManager.getSitesIdWithAdminAccess': ctx => {
		requireView(ctx);
		return ctx.level === 'view' ? [] : ctx.state.sites.map(site => ctx.state.id(site.idsite));
	},
	'SitesManager.getSitesIdWithWriteAccess': ctx => {
		requireView(ctx);
		return [];
	},
	'UsersManager.hasSuperUserAccess': ctx => {
		requireView(ctx);
		return {value: ctx.level === 'superuser'};
	},
	'SitesManager.getSitesWithAtLeastViewAccess': ctx => {
		requireView(ctx);
		return ctx.state.sites.map(site => siteObject(ctx.state, site));
	},
	'UsersManager.createAppSpecificTokenAuth': ctx => {
		const login = required(ctx, 'userLogin');
		const password = required(ctx, 'passwordConfirmation');
		required(ctx, 'description');
		const user = ctx.state.users.find(u => u.login === login);
		if (!user || user.password !== password) throw new ApiError('The current password you entered is not correct.');
		return {value: ctx.state.createToken(user)};
	},
};

const modules = new Set(Object.keys(methods).map(name => name.split('.')[0]));

/** Answer one API call. `tokenInUrl`: the token came in the query string. */
export function handleApi(state: DoubleState, params: Record<string, string>, tokenInUrl: boolean): ApiAnswer {
	const method = params.method ?? '';
	const {token_auth: token, ...rest} = params;
	state.apiCalls.push({method, params: rest, tokenSource: token === undefined ? 'none' : tokenInUrl ? 'query' : 'body'});
	if (tokenInUrl) state.violation(`token_auth in the URL of API call ${method}`);
	try {
		if (String(params.format ?? '').toLowerCase() !== 'json') {
			throw new ApiError(`the Matomo double only answers format=json (got format=${params.format ?? '(none)'})`, 400);
		}
		if (!method) throw new ApiError("Please specify a value for 'method'.");
		const [module = '', name] = method.split('.');
		if (!name) throw new ApiError(`The method '${method}' is not a valid API method (expected Module.method).`);
		if (!modules.has(module)) {
			throw new ApiError(`The plugin ${module} is not enabled. You can activate the plugin on Settings > Plugins page in Matomo.`);
		}
		const handler = methods[method];
		if (!handler) throw new ApiError(`The method '${name}' does not exist or is not available in the module '${module}'.`);
		let level: AccessLevel | null = null;
		if (token) {
			level = tokenInUrl && !state.options.acceptTokenInUrl ? null : state.accessOf(token);
			if (!level) {
				throw new ApiError(
					tokenInUrl && !state.options.acceptTokenInUrl
						? 'Unable to authenticate with the provided token. It is either invalid, expired or is required to be sent as a POST parameter.'
						: 'Unable to authenticate with the provided token. It is either invalid or expired.',
					401,
				);
			}
		}
		return {status: 200, body: handler({state, params, level})};
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		return {status: error.status, body: {result: 'error', message: error.message}};
	}
}
