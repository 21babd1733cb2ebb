/**
 * The day of a hit in its site's time zone, as a key for the recorders' day gate.
 *
 * Why: Matomo makes a "fingerprint salt" for each site and day (in the site's time zone) when the day's first hit
 * arrives, inside the bulk request's transaction. Two requests that bring a new day's first hits at once race for
 * it: each may get its own salt (one visitor is then split into two visits), or the database deadlocks and Matomo
 * loses part of the batch while answering that it tracked all of it. So with several recorders, the first hit of each
 * site-day goes alone and the others wait until Matomo acknowledged it (Recorders). One recorder needs no gate.
 */

/** Every time zone's offset is a multiple of 15 minutes: a day can only start at such a boundary. */
const QUARTER_SECONDS = 900;
const DAY_SECONDS = 86_400;

/** Site-days are numbered as `site × 2^20 + day` (days since 1970 fit in 20 bits until the year 4840). */
const DAY_BITS = 2 ** 20;

/** The local day of each quarter hour, per time zone; kept small (a log spans few days at a time). */
const cache = new Map<string, Map<number, number>>();
const maxCachedQuarters = 20_000;

function localDay(timezone: string, seconds: number): number {
	const quarter = Math.floor(seconds / QUARTER_SECONDS);
	let days = cache.get(timezone);
	if (days === undefined) {
		days = new Map();
		cache.set(timezone, days);
	}

	let day = days.get(quarter);
	if (day === undefined) {
		day = dayIn(timezone, quarter * QUARTER_SECONDS);
		if (days.size >= maxCachedQuarters) days.clear();
		days.set(quarter, day);
	}

	return day;
}

const formats = new Map<string, Intl.DateTimeFormat | null>();

/** Days since 1970-01-01 of the date the site's clock shows at `seconds`; UTC when the zone is unknown to Node. */
function dayIn(timezone: string, seconds: number): number {
	let format = formats.get(timezone);
	if (format === undefined) {
		try {
			format = new Intl.DateTimeFormat('en-CA', {timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit'});
		} catch {
			format = null;
		}

		formats.set(timezone, format);
	}

	if (format === null) return Math.floor(seconds / DAY_SECONDS);
	// en-CA formats as YYYY-MM-DD.
	return Math.floor(Date.parse(`${format.format(seconds * 1000)}T00:00:00Z`) / 1000 / DAY_SECONDS);
}

/**
 * The keys of a site's days (never 0): `site × 2^20 + day + 1`. `timezone`: the site's, as Matomo reports it (`UTC`,
 * `Europe/Paris`, or a manual offset such as `UTC+5.5`); undefined when not known (UTC is assumed).
 */
export function siteDayKeys(idsite: string, timezone: string | undefined): (seconds: number) => number {
	const base = (Number(idsite) || 0) * DAY_BITS + 1;
	const offset = fixedOffsetSeconds(timezone);
	if (offset !== undefined) return seconds => base + (Math.floor((seconds + offset) / DAY_SECONDS) & (DAY_BITS - 1));
	return seconds => base + (localDay(timezone!, seconds) & (DAY_BITS - 1));
}

const keyers = new WeakMap<object, (seconds: number) => number>();

/** The same for a site target, made once per target. */
export function siteDayKey(site: {idsite: string; timezone?: string}, seconds: number): number {
	let keyOf = keyers.get(site);
	if (keyOf === undefined) {
		keyOf = siteDayKeys(site.idsite, site.timezone);
		keyers.set(site, keyOf);
	}

	return keyOf(seconds);
}

/** `UTC`, `UTC+5.5`, `UTC-3` (Matomo's manual offsets) in seconds; undefined for a named zone. */
function fixedOffsetSeconds(timezone: string | undefined): number | undefined {
	if (timezone === undefined || timezone === '' || timezone === 'UTC') return 0;
	const manual = /^UTC([+-]\d+(?:\.\d+)?)$/.exec(timezone);
	return manual ? Math.round(Number(manual[1]) * 3600) : undefined;
}
