/**
 * A seeded generator of realistic traffic for bot detection, with the truth: humans (desktop and mobile browsers
 * loading a page's assets, cached assets answered 304 or not asked at all on later page views, single-page visits
 * from search engines, several people behind one office IP with different and with the same user agent) and bots of
 * each kind that the reference's list lets through (new AI crawlers, HTTP libraries, headless Chrome with and without
 * its own user agent, scrapers with browser user agents, robots.txt fetchers, fast regular crawlers, slow stealthy
 * crawlers with browser user agents and no assets).
 *
 *   node --import tsx test/bot-traffic.ts SEED [FILE] [--humans N] [--bots N]   (writes FILE, the truth to FILE.truth.json)
 *
 * Lines are in the combined format, in time order. `truth` maps "ip user-agent" to human or bot; every page view
 * (a line that would be tracked) is counted per side, so a test can say which share of each side reached Matomo.
 */
import fs from 'node:fs';
import {seededRandom} from './seeded-random.js';

export type BotKind =
	| 'ai-crawler'
	| 'http-library'
	| 'headless-chrome'
	| 'headless-real-ua'
	| 'scraper'
	| 'robots-fetcher'
	| 'fast-crawler'
	| 'slow-crawler'
	| 'very-slow-crawler'
	| 'favicon-scraper';
export type HumanKind = 'desktop' | 'mobile' | 'search-single' | 'office' | 'returning-cached' | 'no-referrer';

export interface Traffic {
	lines: string[];
	/** "ip user-agent" → who it is. */
	truth: Map<string, {side: 'human' | 'bot'; kind: BotKind | HumanKind}>;
	/** Page views (lines the reference would track) per side. */
	pageViews: {human: number; bot: number};
}

export interface TrafficShape {
	humans?: number;
	bots?: number;
	/** Span of the log in hours. */
	hours?: number;
}

interface Event {
	at: number;
	ip: string;
	ua: string;
	path: string;
	status: number;
	referrer: string;
	bytes: number;
	page: boolean;
}

const SITE = 'https://shop.example.org';
const WORDS =
	'green tea coffee mug travel guide winter summer sale review cheap organic garden kitchen recipe bike lens desk lamp notebook wallet jacket'.split(' ');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function logDate(ms: number): string {
	const d = new Date(ms);
	const two = (n: number) => String(n).padStart(2, '0');
	return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

export function generateTraffic(seed: number, shape: TrafficShape = {}): Traffic {
	const rand = seededRandom(seed);
	const int = (n: number) => Math.floor(rand() * n);
	const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
	const chance = (p: number) => rand() < p;
	const hex = (n: number) => Array.from({length: n}, () => '0123456789abcdef'[int(16)]).join('');
	const slug = () => `${pick(WORDS)}-${pick(WORDS)}${chance(0.5) ? `-${pick(WORDS)}` : ''}`;
	const humans = shape.humans ?? 300;
	const bots = shape.bots ?? 120;
	const spanMs = (shape.hours ?? 6) * 3600_000;
	const start = Date.UTC(2026, 2, 1 + int(20), int(12), 0, 0);

	const pages: string[] = ['/', '/about', '/contact', '/blog/', '/products/', '/cart', '/search?q=' + pick(WORDS)];
	for (let i = 0; i < 300; i++) pages.push(`/blog/${2020 + int(6)}/${String(1 + int(12)).padStart(2, '0')}/${slug()}`);
	for (let i = 0; i < 500; i++) pages.push(`/products/${pick(WORDS)}/${slug()}-${100 + i}`);
	for (let i = 0; i < 80; i++) pages.push(`/docs/${pick(['guide', 'api', 'faq'])}/${slug()}.html`);
	const build = hex(8);
	const coreAssets = [
		`/assets/app.${build}.css`,
		`/assets/app.${build}.js`,
		`/assets/vendor.${hex(8)}.js`,
		'/fonts/inter.woff2',
		'/images/logo.svg',
		'/favicon.ico',
	];
	const pageImages = new Map<string, string[]>();
	const imagesOf = (page: string) => {
		let images = pageImages.get(page);
		if (!images) {
			images = Array.from({length: int(4)}, (_, i) => `/images/${slug()}-${i}.${pick(['jpg', 'png', 'webp'])}`);
			pageImages.set(page, images);
		}

		return images;
	};

	const chromeVersion = () => `${128 + int(8)}.0.0.0`;
	const desktop: Array<() => string> = [
		() => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chromeVersion()} Safari/537.36`,
		() =>
			`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chromeVersion()} Safari/537.36 Edg/${128 + int(8)}.0.${2000 + int(800)}.${int(120)}`,
		() => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${17 + int(2)}.${int(6)} Safari/605.1.15`,
		() => `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${128 + int(8)}.0) Gecko/20100101 Firefox/${128 + int(8)}.0`,
		() => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chromeVersion()} Safari/537.36`,
	];
	const mobile: Array<() => string> = [
		() =>
			`Mozilla/5.0 (iPhone; CPU iPhone OS 17_${int(7)} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.${int(7)} Mobile/15E148 Safari/604.1`,
		() =>
			`Mozilla/5.0 (Linux; Android ${12 + int(4)}; ${pick(['K', 'Pixel 8', 'SM-S918B', 'SM-A546B'])}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${128 + int(8)}.0.${6000 + int(600)}.${int(200)} Mobile Safari/537.36`,
		() =>
			`Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${24 + int(3)}.0 Chrome/${chromeVersion()} Mobile Safari/537.36`,
	];
	const searches = [
		'https://www.google.com/',
		'https://www.bing.com/search?q=' + pick(WORDS),
		'https://duckduckgo.com/',
		'https://www.ecosia.org/search?q=tea',
	];
	const ipv4 = () => `${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}`;
	const ipv6 = () => `2a02:${hex(4)}:${hex(4)}::${hex(3)}`;

	const events: Event[] = [];
	const truth: Traffic['truth'] = new Map();
	const pageViews = {human: 0, bot: 0};
	const push = (event: Event, side: 'human' | 'bot') => {
		events.push(event);
		if (event.page && event.status < 400) pageViews[side]++;
	};

	/** One browsing session: pages with their assets (cached or not), internal referrers after the first. */
	function browse(
		ip: string,
		ua: string,
		at: number,
		count: number,
		options: {referrer: string; warmCache: boolean; pace: number; sendsReferrer?: boolean},
	): number {
		let referrer = options.referrer;
		let loaded = options.warmCache;
		for (let i = 0; i < count; i++) {
			const page = i === 0 && chance(0.3) ? '/' : pick(pages);
			push({at, ip, ua, path: page, status: 200, referrer, bytes: 8000 + int(40000), page: true}, 'human');
			let t = at + 80 + int(300);
			const pageUrl = SITE + page;
			if (!loaded) {
				for (const asset of coreAssets) {
					push(
						{
							at: t,
							ip,
							ua,
							path: asset,
							status: 200,
							referrer: options.sendsReferrer === false ? '' : pageUrl,
							bytes: 2000 + int(90000),
							page: false,
						},
						'human',
					);
					t += int(120);
				}

				loaded = true;
			} else if (chance(0.35)) {
				// A reload or an expired cache: the browser asks again and gets 304s.
				for (const asset of coreAssets.slice(0, 2 + int(3))) push({at: t, ip, ua, path: asset, status: 304, referrer: pageUrl, bytes: 0, page: false}, 'human');
			}

			for (const image of imagesOf(page))
				if (chance(0.7))
					push(
						{
							at: t + int(400),
							ip,
							ua,
							path: image,
							status: chance(0.2) ? 304 : 200,
							referrer: pageUrl,
							bytes: 5000 + int(200000),
							page: false,
						},
						'human',
					);
			referrer = options.sendsReferrer === false ? '' : pageUrl;
			at += Math.round(options.pace * (0.3 + rand() * 2.5) * 1000);
		}

		return at;
	}

	const randomStart = () => start + int(spanMs);
	const humanKinds: HumanKind[] = ['desktop', 'desktop', 'mobile', 'mobile', 'search-single', 'search-single', 'returning-cached', 'office', 'no-referrer'];
	let offices = 0;
	for (let h = 0; h < humans; h++) {
		const kind = pick(humanKinds);
		if (kind === 'office') {
			// An office: several people behind one address, some with the very same browser build.
			const ip = ipv4();
			const shared = pick(desktop)();
			const people = chance(0.2) ? 10 + int(15) : 3 + int(5);
			for (let p = 0; p < people; p++) {
				const ua = chance(0.5) ? shared : pick(desktop)();
				truth.set(`${ip} ${ua}`, {side: 'human', kind});
				browse(ip, ua, randomStart(), 1 + int(8), {
					referrer: chance(0.5) ? pick(searches) : '',
					warmCache: chance(0.3),
					pace: 20 + int(60),
				});
			}

			offices++;
			h += people - 1;
			continue;
		}

		const ip = chance(0.15) ? ipv6() : ipv4();
		const ua = kind === 'mobile' ? pick(mobile)() : pick(desktop)();
		truth.set(`${ip} ${ua}`, {side: 'human', kind});
		const at = randomStart();
		if (kind === 'search-single') {
			browse(ip, ua, at, 1, {referrer: pick(searches), warmCache: chance(0.4), pace: 30});
		} else if (kind === 'no-referrer') {
			// A browser or proxy that sends no referrer at all.
			browse(ip, ua, at, 1 + int(10), {referrer: '', warmCache: chance(0.2), pace: 10 + int(60), sendsReferrer: false});
		} else if (kind === 'returning-cached') {
			// Came back later the same day: everything is cached, the later page views load nothing new.
			const end = browse(ip, ua, at, 1 + int(4), {referrer: chance(0.5) ? pick(searches) : '', warmCache: false, pace: 25 + int(40)});
			browse(ip, ua, end + (1 + int(3)) * 3600_000, 1 + int(5), {referrer: '', warmCache: true, pace: 25 + int(40)});
		} else {
			browse(ip, ua, at, 1 + int(kind === 'mobile' ? 6 : 12), {
				referrer: chance(0.6) ? pick(searches) : '',
				warmCache: chance(0.15),
				pace: 15 + int(60),
			});
		}
	}

	const aiAgents = [
		'meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)',
		'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
		'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ChatGPT-User/1.0; +https://openai.com/bot)',
		'anthropic-ai',
		'cohere-ai',
		'Mozilla/5.0 (compatible; ImagesiftBot; +imagesift.com)',
		'Mozilla/5.0 (compatible; Barkrowler/0.9; +https://babbar.tech/crawler)',
		'Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com)',
	];
	const libraries = [
		'python-requests/2.32.3',
		'Go-http-client/1.1',
		'Go-http-client/2.0',
		'Scrapy/2.11.2 (+https://scrapy.org)',
		'axios/1.7.7',
		'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
		'okhttp/4.12.0',
		'Python-urllib/3.12',
		'aiohttp/3.10.5',
	];
	const botKinds: BotKind[] = [
		'ai-crawler',
		'http-library',
		'headless-chrome',
		'headless-real-ua',
		'scraper',
		'robots-fetcher',
		'fast-crawler',
		'slow-crawler',
		'very-slow-crawler',
		'favicon-scraper',
	];
	for (let b = 0; b < bots; b++) {
		const kind = botKinds[b % botKinds.length]!;
		const ip = chance(0.1) ? ipv6() : ipv4();
		const browserUa = chance(0.7) ? pick(desktop)() : pick(mobile)();
		const ua =
			kind === 'ai-crawler'
				? pick(aiAgents)
				: kind === 'http-library'
					? pick(libraries)
					: kind === 'headless-chrome'
						? `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/${chromeVersion()} Safari/537.36`
						: browserUa;
		truth.set(`${ip} ${ua}`, {side: 'bot', kind});
		let at = randomStart();
		const botPage = (referrer = '') => {
			push({at, ip, ua, path: pick(pages), status: chance(0.97) ? 200 : 404, referrer, bytes: 8000 + int(40000), page: true}, 'bot');
		};

		const robots = () => push({at: at - 1000, ip, ua, path: '/robots.txt', status: 200, referrer: '', bytes: 300, page: false}, 'bot');
		switch (kind) {
			case 'ai-crawler':
			case 'http-library': {
				if (chance(0.4)) robots();
				for (let i = 10 + int(60); i > 0; i--, at += 500 + int(8000)) botPage();
				break;
			}

			case 'headless-chrome':
			case 'headless-real-ua': {
				// A real browser engine: it loads the assets of every page, but navigates by URL (no referrer), quickly.
				for (let i = 15 + int(60); i > 0; i--) {
					botPage();
					for (const asset of coreAssets)
						push({at: at + 50 + int(200), ip, ua, path: asset, status: 200, referrer: SITE + '/', bytes: 3000, page: false}, 'bot');
					at += 1500 + int(5000);
				}

				break;
			}

			case 'scraper': {
				for (let i = 8 + int(80); i > 0; i--, at += 1000 + int(20_000)) botPage(chance(0.3) ? SITE + '/' : '');
				break;
			}

			case 'robots-fetcher': {
				robots();
				for (let i = 3 + int(30); i > 0; i--, at += 2000 + int(30_000)) botPage();
				break;
			}

			case 'fast-crawler': {
				const step = 200 + int(1500);
				for (let i = 30 + int(200); i > 0; i--, at += step + int(50)) botPage();
				break;
			}

			case 'slow-crawler': {
				// Stealthy: a browser's user agent, a page every minute or few, never an asset.
				for (let i = 15 + int(60); i > 0; i--, at += 40_000 + int(200_000)) botPage(chance(0.2) ? SITE + pick(pages) : '');
				break;
			}

			case 'very-slow-crawler': {
				for (let i = 10 + int(30); i > 0; i--, at += 300_000 + int(1_500_000)) botPage(chance(0.3) ? SITE + pick(pages) : '');
				break;
			}

			case 'favicon-scraper': {
				push({at: at - 500, ip, ua, path: '/favicon.ico', status: 200, referrer: '', bytes: 1150, page: false}, 'bot');
				for (let i = 20 + int(60); i > 0; i--, at += 800 + int(6000)) botPage();
				break;
			}
		}
	}

	events.sort((a, b) => a.at - b.at);
	const lines = events.map(e => `${e.ip} - - [${logDate(e.at)}] "GET ${e.path} HTTP/1.1" ${e.status} ${e.bytes} "${e.referrer || '-'}" "${e.ua}"`);
	void offices;
	return {lines, truth, pageViews};
}

if (process.argv[1]?.endsWith('bot-traffic.ts')) {
	const args = process.argv.slice(2);
	const option = (name: string) => {
		const at = args.indexOf(name);
		return at === -1 ? undefined : Number(args.splice(at, 2)[1]);
	};

	const humans = option('--humans');
	const bots = option('--bots');
	const seed = Number(args[0] ?? 1);
	const file = args[1] ?? `bot-traffic-${seed}.log`;
	const traffic = generateTraffic(seed, {humans, bots});
	fs.writeFileSync(file, traffic.lines.join('\n') + '\n');
	fs.writeFileSync(file + '.truth.json', JSON.stringify({pageViews: traffic.pageViews, truth: Object.fromEntries(traffic.truth)}, null, '\t'));
	process.stdout.write(`${file}: ${traffic.lines.length} lines, page views: ${traffic.pageViews.human} human, ${traffic.pageViews.bot} bot\n`);
}
