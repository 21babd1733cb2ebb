import {startMatomoDouble} from './matomo-double.js';
import {runImport, writeLog} from './helpers.js';
import {generateTraffic} from './bot-traffic.js';
const matomo = await startMatomoDouble({
	token: 'test-token',
	mode: 'record',
	sites: [{idsite: 1, name: 'Shop', main_url: 'https://shop.example.org'}],
	now: () => Date.UTC(2026, 3, 1),
});
const seeds = process.argv.slice(2).map(Number);
for (const seed of seeds) {
	const traffic = generateTraffic(seed, {humans: 200 + ((seed * 37) % 500), bots: 40 + ((seed * 13) % 200), hours: 2 + (seed % 20)});
	matomo.reset();
	const result = await runImport(['--idsite=1', '--bot-detection=behavior', writeLog(traffic.lines)], {url: matomo.url});
	const counts = {human: 0, bot: 0};
	const leaked = new Map<string, number>();
	const lostHumans = new Map<string, number>();
	for (const {params} of matomo.received) {
		const who = traffic.truth.get(`${params.cip} ${params.ua}`)!;
		counts[who.side]++;
		if (who.side === 'bot') leaked.set(who.kind, (leaked.get(who.kind) ?? 0) + 1);
	}
	const expected = new Map<string, number>();
	for (const line of traffic.lines) {
		const m = /^(\S+) .*"GET (\S+) [^"]*" (\d+) .*"([^"]*)"$/.exec(line)!;
		if (/\.(css|js|woff2|svg|ico|jpg|png|webp)$/.test(m[2]!) || m[2] === '/robots.txt' || Number(m[3]) >= 400) continue;
		const key = `${m[1]} ${m[4]}`;
		expected.set(key, (expected.get(key) ?? 0) + 1);
	}
	const got = new Map<string, number>();
	for (const {params} of matomo.received) got.set(`${params.cip} ${params.ua}`, (got.get(`${params.cip} ${params.ua}`) ?? 0) + 1);
	for (const [key, n] of expected) {
		const who = traffic.truth.get(key)!;
		if (who.side === 'human' && (got.get(key) ?? 0) < n) console.log('  lost human', who.kind, key.slice(0, 40), got.get(key) ?? 0, '/', n);
	}
	for (const s of result.state.bots!.samples) {
		const who = traffic.truth.get(`${s.ip} ${s.userAgent}`)!;
		if (who.side === 'human') lostHumans.set(who.kind + ' ' + s.why.join('+'), s.hits);
	}
	console.log(
		seed,
		'humans',
		((counts.human / traffic.pageViews.human) * 100).toFixed(2),
		'bots',
		((counts.bot / traffic.pageViews.bot) * 100).toFixed(2),
		JSON.stringify(Object.fromEntries(leaked)),
		JSON.stringify(result.state.bots!.byReason),
		[...lostHumans],
	);
}
await matomo.close();
