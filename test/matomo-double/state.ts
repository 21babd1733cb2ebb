/**
 * What the Matomo double knows and remembers: tokens and their access, sites, users, and the recordings that tests
 * read back. The HTTP layer (../matomo-double.ts), the API (api.ts) and the tracker (tracking.ts) share one.
 */
import type {AccessLevel, ApiCall, DoubleOptions, DoubleSite, DoubleUser, HttpLogEntry, ReceivedHit} from './types.js';

export const defaultSites: DoubleSite[] = [{idsite: 1, name: 'Site 1', main_url: 'http://example.com'}];

export class DoubleState {
	readonly token: string;
	readonly version: string;
	readonly countOnly: boolean;
	readonly now: () => number;
	readonly options: DoubleOptions;
	private readonly superUsers: Set<string>;
	private readonly writers: Set<string>;
	private readonly viewers: Set<string>;
	/** Tokens made by createAppSpecificTokenAuth, with their user's access. */
	private readonly created = new Map<string, AccessLevel>();
	readonly users: DoubleUser[];

	sites: DoubleSite[] = [];
	received: ReceivedHit[] = [];
	apiCalls: ApiCall[] = [];
	httpLog: HttpLogEntry[] = [];
	violations: string[] = [];
	bulkPosts = 0;
	singleHits = 0;
	tracked = 0;
	invalid = 0;
	private tokenCounter = 0;

	constructor(options: DoubleOptions) {
		this.options = options;
		this.token = options.token ?? 'test-token';
		this.version = options.version ?? '5.2.0';
		this.countOnly = options.mode === 'count';
		this.now = options.now ?? Date.now;
		this.superUsers = new Set(options.superUserTokens ?? [this.token]);
		this.writers = new Set(options.writeTokens ?? [this.token]);
		this.viewers = new Set(options.viewOnlyTokens ?? []);
		this.users = options.users ?? [];
		this.resetData();
	}

	resetData(): void {
		// Copies, so that addSite in one test never leaks into the options of another.
		this.sites = (this.options.sites ?? defaultSites).map(site => ({...site, urls: [...(site.urls ?? [])]}));
		this.received = [];
		this.apiCalls = [];
		this.httpLog = [];
		this.violations = [];
		this.bulkPosts = 0;
		this.singleHits = 0;
		this.tracked = 0;
		this.invalid = 0;
		this.created.clear();
	}

	/** The access of a token, or null when Matomo would not know it. A view-only listing wins over the others. */
	accessOf(token: string | undefined): AccessLevel | null {
		if (!token) return null;
		if (this.viewers.has(token)) return 'view';
		if (this.superUsers.has(token)) return 'superuser';
		if (this.writers.has(token)) return 'write';
		return this.created.get(token) ?? null;
	}

	/** Matomo: cip and old cdt need Super User, or admin/write access to the site. */
	canForceVisitData(level: AccessLevel | null): boolean {
		return level === 'superuser' || level === 'write';
	}

	createToken(user: DoubleUser): string {
		const token = `app-token-${user.login}-${++this.tokenCounter}`;
		this.created.set(token, user.access ?? 'superuser');
		return token;
	}

	site(idsite: number): DoubleSite | undefined {
		return this.sites.find(site => site.idsite === idsite);
	}

	/** Ids are numbers unless `idsAsStrings` (some Matomo answers carry DB strings). */
	id(idsite: number): number | string {
		return this.options.idsAsStrings ? String(idsite) : idsite;
	}

	violation(text: string): void {
		// Bounded, so that a flood of the same mistake in a benchmark cannot grow the heap.
		if (this.violations.length < 1000) this.violations.push(text);
	}
}
