/**
 * Generated logs for the end-to-end suite, the same bytes for the same arguments (seeded PRNG, no clock).
 *
 * - `accessLog`: an ncsa_extended (combined + user) log in time order, as a busy server writes it: interleaved
 *   sessions of visitors, some known by a user id (`%u`) that shows up from several IPs (phone, office, home) and
 *   switches IP inside a session, page views with their assets, downloads, redirects, errors, campaign, search and
 *   social referrers, and bots. The situations where the order of hits decides Matomo's visits.
 * - `icecastLog`: an Icecast access log of listens with known figures (listeners, seconds, distinct listeners).
 */
import {seededRandom} from '../seeded-random.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[10/Mar/2026:14:03:07 +0000]` for a time in seconds since the epoch (UTC). */
export function clfDate(seconds: number): string {
	const d = new Date(seconds * 1000);
	const two = (n: number) => String(n).padStart(2, '0');
	return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

interface Line {
	at: number;
	order: number;
	text: string;
	/** `ip|YYYY-MM-DD HH:MM:SS|path`: what identifies the line's tracking request (cip, cdt, url). */
	key: string;
}

export interface GeneratedLog {
	text: string;
	lines: number;
	/** First and last day (YYYY-MM-DD, UTC) of the hits, as a Reporting API range. */
	range: string;
	/** Each line's `ip|cdt|path`, in log order; no two lines share one. */
	keys: string[];
}

/** The key of a tracking request, to find its line in `keys`. */
export function requestKey(params: Record<string, string | number>): string {
	const url = new URL(String(params.url));
	return `${params.cip}|${params.cdt}|${url.pathname}${url.search}`;
}

const cdt = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

const START = Date.UTC(2026, 2, 10, 6) / 1000;

/** The access log: about `visitors` × 10 lines over two days. */
export function accessLog(visitors = 200, seed = 11): GeneratedLog {
	const rand = seededRandom(seed);
	const int = (n: number) => Math.floor(rand() * n);
	const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
	const chance = (p: number) => rand() < p;
	const pages = ['/', '/about', '/contact', '/pricing', '/blog/', '/docs/install', '/docs/api', '/search?q=matomo', '/products/tea', '/products/coffee'];
	for (let i = 0; i < 40; i++) pages.push(`/blog/2026/post-${i}`);
	const assets = ['/assets/app.css', '/assets/app.js', '/images/logo.png', '/favicon.ico', '/fonts/inter.woff2'];
	const downloads = ['/files/report-2025.pdf', '/files/setup-1.4.zip', '/files/manual.pdf', '/podcast/episode-3.mp3'];
	const redirects = ['/blog', '/docs', '/old-pricing', '/shop/'];
	const missing = ['/wp-login.php', '/old-page.html', '/images/missing.png'];
	const referrers = [
		'-',
		'-',
		'-',
		'https://www.google.com/search?q=matomo+log+import',
		'https://www.bing.com/search?q=tea',
		'https://t.co/abc123',
		'https://www.facebook.com/',
		'https://news.example.org/article',
		'https://partner.example.net/links',
	];
	const browsers = [
		'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
		'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
		'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
		'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
		'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36',
	];
	const bots = [
		'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
		'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
		'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
	];
	const ip = (n: number) => (n % 7 === 0 ? `2001:db8::${(n % 65_000).toString(16)}` : `198.51.${100 + ((n >> 8) % 100)}.${n % 256}`);

	const out: Line[] = [];
	const seen = new Set<string>();
	let order = 0;
	const emit = (at: number, address: string, user: string, path: string, status: number, size: number, referrer: string, ua: string) => {
		const key = `${address}|${cdt(at)}|${path}`;
		if (seen.has(key)) return;
		seen.add(key);
		out.push({
			at,
			order: order++,
			key,
			text: `${address} - ${user} [${clfDate(at)}] "GET ${path} HTTP/1.1" ${status} ${size} "${referrer}" "${ua}"`,
		});
	};

	for (let v = 0; v < visitors; v++) {
		const bot = v % 25 === 24;
		const userId = !bot && v % 3 === 0 ? `user${v}@example.com` : '-';
		// A user id is seen from two or three IPs; an anonymous visitor has one.
		const addresses = userId === '-' ? [ip(v + 1)] : [ip(v + 1), ip(v + 5001), ...(chance(0.5) ? [ip(v + 9001)] : [])];
		const ua = bot ? pick(bots) : pick(browsers);
		const sessions = 1 + int(userId === '-' ? 2 : 4);
		let at = START + int(30 * 3600);
		for (let s = 0; s < sessions; s++) {
			let address = addresses[s % addresses.length]!;
			let referrer = s === 0 ? pick(referrers) : chance(0.3) ? 'https://www.google.com/search?q=example' : '-';
			if (chance(0.08)) referrer = '-';
			const views = bot ? 3 + int(10) : 1 + int(7);
			for (let p = 0; p < views; p++) {
				// A phone moving from mobile data to wifi: the same user id, the next IP, mid-session.
				if (userId !== '-' && p > 0 && chance(0.15)) address = addresses[(addresses.indexOf(address) + 1) % addresses.length]!;
				let page = pick(pages);
				if (p === 0 && chance(0.1)) page += (page.includes('?') ? '&' : '?') + 'utm_campaign=spring&utm_source=newsletter';
				if (bot) {
					emit(at, address, '-', p === 0 ? '/robots.txt' : page, 200, 120 + int(9000), '-', ua);
				} else if (chance(0.06)) {
					emit(at, address, userId, pick(redirects), 301, 0, referrer, ua);
					emit(at + 1, address, userId, page, 200, 2000 + int(30_000), referrer, ua);
				} else if (chance(0.05)) {
					emit(at, address, userId, pick(missing), 404, 300, referrer, ua);
				} else if (chance(0.02)) {
					emit(at, address, userId, page, 500, 500, referrer, ua);
				} else {
					emit(at, address, userId, page, 200, 2000 + int(30_000), referrer, ua);
				}

				if (!bot) {
					for (const asset of assets)
						if (chance(p === 0 ? 0.5 : 0.1)) emit(at + 1, address, userId, asset, p === 0 ? 200 : 304, 500 + int(50_000), `http://example.com${page}`, ua);
					if (chance(0.12)) emit(at + 5 + int(40), address, userId, pick(downloads), 200, 100_000 + int(5_000_000), `http://example.com${page}`, ua);
				}

				referrer = `http://example.com${page}`;
				at += 5 + int(240);
			}

			// The next session: an hour or more later, sometimes the next day.
			at += 3600 + int(12 * 3600);
		}
	}

	return finish(out);
}

function finish(out: Line[]): GeneratedLog {
	out.sort((a, b) => a.at - b.at || a.order - b.order);
	const day = (at: number) => new Date(at * 1000).toISOString().slice(0, 10);
	return {
		text: out.map(line => line.text).join('\n') + '\n',
		lines: out.length,
		range: `${day(out[0]!.at)},${day(out.at(-1)!.at)}`,
		keys: out.map(line => line.key),
	};
}

export interface IcecastLog extends GeneratedLog {
	/** Connections that are listens (HTTP 200 on a mount, a duration, not a source client). */
	listens: number;
	/** Their summed durations, in seconds. */
	seconds: number;
	/** Distinct listeners (IP and player): Matomo merges a listener's reconnections minutes apart into one visit. */
	listeners: number;
}

/**
 * An Icecast log: `listeners` listeners, some reconnecting a few minutes after a short listen (one visit, two
 * listens), plus lines that are not listens (a 404 on a mount that does not exist, the encoder's SOURCE line).
 */
export function icecastLog(listeners = 40, seed = 5): IcecastLog {
	const rand = seededRandom(seed);
	const int = (n: number) => Math.floor(rand() * n);
	const players = [
		'VLC/3.0.18 LibVLC/3.0.18',
		'iTunes/12.13 (Macintosh; OS X 14.1)',
		'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
		'Lavf/60.16.100',
	];
	const mounts = ['/stream.mp3', '/jazz.ogg'];
	const out: Line[] = [];
	let order = 0;
	let listens = 0;
	let seconds = 0;
	const line = (end: number, address: string, method: string, path: string, status: number, player: string, duration: number) => {
		out.push({
			at: end,
			order: order++,
			key: `${address}|${cdt(end)}|${path}`,
			text: `${address} - - [${clfDate(end)}] "${method} ${path} HTTP/1.1" ${status} ${duration * 16_000} "-" "${player}" ${duration}`,
		});
	};

	for (let l = 0; l < listeners; l++) {
		const address = `203.0.${113 + (l >> 8)}.${l % 256}`;
		const player = players[l % players.length]!;
		const mount = mounts[l % mounts.length]!;
		const start = START + int(20 * 3600);
		if (l % 5 === 0) {
			// A short listen, then back two minutes later: one visit in Matomo, two listens.
			const first = 60 + int(600);
			const second = 60 + int(7200);
			line(start + first, address, 'GET', mount, 200, player, first);
			line(start + first + 120 + second, address, 'GET', mount, 200, player, second);
			listens += 2;
			seconds += first + second;
		} else {
			const duration = int(3 * 3600);
			line(start + duration, address, 'GET', mount + (l % 7 === 0 ? '?token=abc' : ''), 200, player, duration);
			listens++;
			seconds += duration;
		}
	}

	line(START + 3600, '192.0.2.77', 'GET', '/strem.mp3', 404, players[0]!, 0);
	line(START + 23 * 3600, '192.0.2.1', 'SOURCE', '/stream.mp3', 200, 'butt/0.1.40', 80_000);
	return {...finish(out), listens, seconds, listeners};
}
