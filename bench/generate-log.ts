/**
 * A deterministic, realistic combined-format (ncsa_extended) access log for the benchmark.
 *
 *   node --import tsx bench/generate-log.ts N [FILE]   (default FILE: bench/out/combined-v<version>-<N>.log)
 *
 * Traffic is made of sessions interleaved as a busy server sees them: a human visitor's page views, each followed by
 * its assets (css/js/images/fonts, often 304 on later pages), a few downloads, redirects and errors; bots crawling
 * pages and robots.txt. About 50k distinct visitors in 1M lines (10% IPv6), dates increasing over three days in +0100.
 * The same N always gives the same bytes (seeded PRNG, no clock); lines are written in 1 MiB chunks.
 */
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {seededRandom} from '../test/seeded-random.js';

/** Bump when the output changes: cached files are keyed by it. */
export const GENERATOR_VERSION = 2;
export const OUT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out');

/** Reseeded by generateLog: the pools below are built once at import, the traffic is the same for every call. */
let rand = seededRandom(1);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];
/** Skewed towards the first items (a few popular pages, a long tail). */
const popular = <T>(items: readonly T[], skew = 2.5): T => items[Math.floor(items.length * rand() ** skew)];
const chance = (p: number) => rand() < p;
const hex = (n: number) => Array.from({length: n}, () => '0123456789abcdef'[int(16)]).join('');

const SITE = 'https://www.example.com';
const WORDS = (
	'green tea coffee mug travel guide winter summer sale review best cheap organic garden kitchen recipe ' +
	'running shoes bike repair camera lens laptop stand desk lamp paper notebook pen wallet bag jacket'
).split(' ');
const slug = () => `${pick(WORDS)}-${pick(WORDS)}${chance(0.5) ? `-${pick(WORDS)}` : ''}`;

const PAGES: string[] = ['/', '/about', '/contact', '/blog/', '/products/', '/cart', '/account/login', '/search'];
for (let i = 0; i < 600; i++) PAGES.push(`/blog/${2019 + int(6)}/${String(1 + int(12)).padStart(2, '0')}/${slug()}`);
for (let i = 0; i < 900; i++) PAGES.push(`/products/${pick(WORDS)}/${slug()}-${100 + i}`);
for (let i = 0; i < 300; i++) PAGES.push(`/docs/${pick(['guide', 'api', 'faq', 'install'])}/${slug()}.html`);
for (let i = 0; i < 120; i++) PAGES.push(`/index.php?id=${1000 + i}`);

const BUILD = hex(8);
const CORE_ASSETS = [
	`/assets/app.${BUILD}.css`,
	`/assets/app.${BUILD}.js`,
	`/assets/vendor.${hex(8)}.js`,
	'/fonts/inter-regular.woff2',
	'/fonts/inter-bold.woff2',
	'/images/logo.svg',
	'/favicon.ico',
];
const IMAGES: string[] = [];
for (let i = 0; i < 400; i++) IMAGES.push(`/images/${slug()}-${i}.${pick(['png', 'jpg', 'jpg', 'webp', 'gif'])}`);
const DOWNLOADS: string[] = [];
for (let i = 0; i < 40; i++) DOWNLOADS.push(`/downloads/${slug()}.pdf`, `/downloads/${slug()}-v${1 + int(9)}.${int(2)}.zip`);
for (let i = 1; i <= 60; i++) DOWNLOADS.push(`/podcast/episode-${i}.mp3`);
const MISSING = [
	'/wp-login.php',
	'/.env',
	'/xmlrpc.php',
	'/old-page.html',
	'/images/missing.png',
	'/apple-touch-icon.png',
	'/blog/feed/',
	'/admin/',
	'/phpmyadmin/index.php',
	'/products/discontinued-item',
];
const REDIRECTED = ['/blog', '/products', '/shop/', '/home', '/index.html', '/account', '/docs/', '/promo'];

/**
 * Browser user agents: templates whose versions and devices vary per visitor, so that a log has thousands of distinct
 * user agents with a few popular ones, as real logs do (per-UA caches must not look better here than in real life).
 */
const pickOne = (text: string) => pick(text.split(' '));
const chromeFull = () => `${118 + int(6)}.0.${5993 + int(300)}.${int(230)}`;
const BROWSERS: Array<() => string> = [
	() => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${118 + int(6)}.0.0.0 Safari/537.36`,
	() =>
		`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${118 + int(6)}.0.0.0 Safari/537.36 Edg/${118 + int(6)}.0.${2000 + int(300)}.${int(130)}`,
	() => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${118 + int(6)}.0.0.0 Safari/537.36`,
	() =>
		`Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${16 + int(2)}.${int(6)}${chance(0.5) ? `.${1 + int(2)}` : ''} Safari/605.1.15`,
	() =>
		`Mozilla/5.0 (${pickOne('Windows_NT_10.0;_Win64;_x64 X11;_Linux_x86_64 Macintosh;_Intel_Mac_OS_X_10.15 X11;_Ubuntu;_Linux_x86_64').replaceAll('_', ' ')}; rv:${115 + int(9)}.0) Gecko/20100101 Firefox/${115 + int(9)}.0`,
	() => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${118 + int(6)}.0.0.0 Safari/537.36`,
	() => {
		const ios = `${15 + int(3)}_${int(7)}${chance(0.4) ? `_${1 + int(2)}` : ''}`;
		return `Mozilla/5.0 (${pickOne('iPhone iPhone iPhone iPad')}; CPU ${chance(0.8) ? 'iPhone ' : ''}OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ios.split('_')[0]}.${ios.split('_')[1]} Mobile/15E148 Safari/604.1`;
	},
	() =>
		`Mozilla/5.0 (Linux; Android ${10 + int(5)}; ${pickOne('K K K Pixel_6 Pixel_7 Pixel_7a Pixel_8 SM-S911B SM-S918B SM-A546B SM-G991B moto_g_power_(2022) 2201117TY CPH2451').replaceAll('_', ' ')}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chromeFull()} Mobile Safari/537.36`,
	() =>
		`Mozilla/5.0 (Linux; Android ${10 + int(5)}; ${pickOne('SM-S918B SM-A536B SM-G998B')}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${21 + int(4)}.0 Chrome/${chromeFull()} Mobile Safari/537.36`,
];
/** Bot user agents with the first two octets of their usual networks. */
const BOTS: Array<[ua: string, net: string]> = [
	['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', '66.249'],
	[
		'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.94 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
		'66.249',
	],
	['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', '157.55'],
	['Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', '5.255'],
	['Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', '54.36'],
	['Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)', '185.191'],
	['Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)', '116.179'],
	['curl/8.5.0', '198.51'],
	['python-requests/2.31.0', '203.0'],
	['Wget/1.21.4', '192.0'],
];
const SEARCH = [
	'https://www.google.com/',
	'https://www.google.de/',
	'https://www.bing.com/search?q=',
	'https://duckduckgo.com/',
	'https://search.yahoo.com/search?p=',
	'https://www.ecosia.org/search?q=',
];
const SOCIAL = ['https://t.co/', 'https://www.facebook.com/', 'https://www.reddit.com/r/webdev/comments/', 'https://news.ycombinator.com/item?id='];
const UTM = [
	'?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
	'?utm_source=twitter&utm_medium=social',
	'?ref=producthunt',
	'?page=2',
	'?page=3',
	'?sort=price&order=asc',
	'?lang=de',
	'?fbclid=IwAR' + hex(24),
];

interface Visitor {
	ip: string;
	ua: string;
	user: string;
}

function ipv4(net?: string): string {
	return `${net ?? `${1 + int(223)}.${int(256)}`}.${int(256)}.${1 + int(254)}`;
}
function ipv6(): string {
	return `2a02:${hex(4).replace(/^0+/, '') || '0'}:${hex(3)}:${hex(4).replace(/^0+/, '') || '0'}::${hex(3).replace(/^0+/, '') || '1'}`;
}

const VISITORS: Visitor[] = Array.from({length: 75_000}, () => ({
	ip: chance(0.1) ? ipv6() : ipv4(),
	ua: popular(BROWSERS, 1.6)(),
	user: chance(0.01) ? pick(['jdoe', 'alice', 'bob', 'maria.k', 'admin']) : '-',
}));
const BOT_VISITORS: Visitor[] = Array.from({length: 400}, (_, i) => {
	const [ua, net] = BOTS[i % BOTS.length];
	return {ip: ipv4(net), ua, user: '-'};
});

interface Session {
	visitor: Visitor;
	bot: boolean;
	pagesLeft: number;
	page: string;
	/** Assets still to request for the current page. */
	assets: string[];
	/** Whether the browser has the assets cached (answered 304). */
	cached: boolean;
	seen: boolean;
}

function newSession(): Session {
	const bot = chance(0.07);
	return {
		// Any visitor of the pool: over 1M lines most of them come back a few times.
		visitor: bot ? pick(BOT_VISITORS) : pick(VISITORS),
		bot,
		pagesLeft: bot ? 5 + int(30) : 1 + int(10),
		page: '',
		assets: [],
		cached: chance(0.2),
		seen: false,
	};
}

function externalReferrer(): string {
	const r = rand();
	if (r < 0.45) return '-';
	if (r < 0.8) {
		const engine = pick(SEARCH);
		return engine.endsWith('=') ? engine + `${pick(WORDS)}+${pick(WORDS)}` : engine;
	}
	const social = pick(SOCIAL);
	return social.endsWith('=') || social.endsWith('/comments/') ? social + (10000 + int(90000)) : social;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => (n < 10 ? '0' : '') + n;
/** 2024-03-01 00:00:00 +0100, as local time (the offset is printed, not applied). */
const START = Date.UTC(2024, 2, 1) / 1000;
const SPAN_SECONDS = 3 * 86400;
let lastSecond = -1;
let lastStamp = '';
function stamp(second: number): string {
	if (second !== lastSecond) {
		const d = new Date((START + second) * 1000);
		lastSecond = second;
		lastStamp =
			`${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
			`${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0100`;
	}
	return lastStamp;
}

/** One request of a session: [method, path, status, bytes, referrer]. */
function nextRequest(s: Session): [string, string, number, string, string] {
	const size = (max: number) => String(200 + int(max));
	if (s.bot) {
		s.pagesLeft--;
		if (chance(0.05)) return ['GET', '/robots.txt', 200, '312', '-'];
		if (chance(0.04)) return ['GET', pick(MISSING), 404, size(500), '-'];
		if (chance(0.03)) return ['GET', pick(REDIRECTED), 301, size(200), '-'];
		const method = s.visitor.ua.startsWith('curl') && chance(0.5) ? 'HEAD' : 'GET';
		return [method, pick(PAGES), chance(0.1) ? 304 : 200, size(40000), '-'];
	}
	const asset = s.assets.pop();
	if (asset !== undefined) {
		const cached = s.cached && chance(0.8);
		return ['GET', asset, cached ? 304 : 200, cached ? '-' : size(120000), SITE + s.page];
	}
	const referrer = s.page === '' ? externalReferrer() : SITE + s.page;
	s.pagesLeft--;
	const r = rand();
	if (r < 0.025) return ['GET', pick(DOWNLOADS), chance(0.1) ? 206 : 200, size(5_000_000), referrer];
	if (r < 0.055) return ['GET', pick(REDIRECTED), chance(0.7) ? 301 : 302, size(300), referrer];
	if (r < 0.085) return ['GET', pick(MISSING), 404, size(2000), referrer];
	if (r < 0.09) return ['GET', popular(PAGES), 500, size(1000), referrer];
	if (r < 0.105) return ['POST', pick(['/cart', '/contact', '/account/login', '/search']), 200, size(3000), referrer];
	let page = popular(PAGES);
	if (page === '/search') page += `?q=${pick(WORDS)}+${pick(WORDS)}`;
	else if (chance(0.12) && !page.includes('?')) page += pick(UTM);
	// Assets of this page: everything on the first page, a few images afterwards.
	if (s.seen) s.assets = chance(0.4) ? [pick(IMAGES)] : [];
	else s.assets = s.cached ? Array.from({length: int(3)}, () => pick(IMAGES)) : [...CORE_ASSETS.slice(0, 3 + int(5)), pick(IMAGES)];
	const status = s.seen && chance(0.1) ? 304 : 200;
	if (s.seen) s.cached = true;
	s.seen = true;
	s.page = page;
	return ['GET', page, status, status === 304 ? '-' : size(60000), referrer];
}

/** Writes N lines to `file` (to a temporary name first, so that an interrupted run leaves no cache entry). */
export function generateLog(lines: number, file: string): void {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	const temp = `${file}.${process.pid}.tmp`;
	const fd = fs.openSync(temp, 'w');
	rand = seededRandom(20240301);
	lastSecond = -1;
	const sessions: Session[] = Array.from({length: 150}, newSession);
	let chunk = '';
	try {
		for (let i = 0; i < lines; i++) {
			const slot = int(sessions.length);
			const s = sessions[slot];
			const [method, reqPath, status, bytes, referrer] = nextRequest(s);
			if (s.pagesLeft <= 0 && s.assets.length === 0) sessions[slot] = newSession();
			const protocol = s.bot || chance(0.4) ? 'HTTP/1.1' : 'HTTP/2.0';
			chunk +=
				`${s.visitor.ip} - ${s.visitor.user} [${stamp(Math.floor((i * SPAN_SECONDS) / lines))}] ` +
				`"${method} ${reqPath} ${protocol}" ${status} ${bytes} "${referrer}" "${s.visitor.ua}"\n`;
			if (chunk.length >= 1 << 20) {
				fs.writeSync(fd, chunk);
				chunk = '';
			}
		}
		fs.writeSync(fd, chunk);
	} finally {
		fs.closeSync(fd);
	}
	fs.renameSync(temp, file);
}

export function cachedLogPath(lines: number): string {
	return path.join(OUT_DIR, `combined-v${GENERATOR_VERSION}-${lines}.log`);
}

/** The cached log of N lines, generated on first use. */
export function ensureLog(lines: number): string {
	const file = cachedLogPath(lines);
	if (!fs.existsSync(file)) generateLog(lines, file);
	return file;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
	const lines = Number(process.argv[2]);
	if (!Number.isInteger(lines) || lines <= 0) {
		process.stderr.write('usage: node --import tsx bench/generate-log.ts N [FILE]\n');
		process.exit(2);
	}
	const file = process.argv[3] ?? cachedLogPath(lines);
	const started = performance.now();
	if (process.argv[3] || !fs.existsSync(file)) generateLog(lines, file);
	process.stdout.write(`${file} (${lines} lines, ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
