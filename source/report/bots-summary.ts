/** The summary's lines and JSON for --bot-detection=behavior: what was left out, why, and samples to check. */
import type {BotStats} from '../filter/bots/bot-stats.js';

const count = (n: number) => n.toLocaleString('en-US');

/** "by behaviour: 80 visitors, 9,685 hits: never loaded an asset 74, robots.txt 40, request rate 61" */
export function botsLine(bots: BotStats): string {
	const reasons = Object.entries(bots.byReason)
		.sort((a, b) => b[1] - a[1])
		.map(([label, n]) => `${label} ${count(n)}`)
		.join(', ');
	return `by behaviour${bots.tracked ? ' (tracked as bots)' : ''}: ${count(bots.visitors)} visitors, ${count(bots.hits)} hits${reasons === '' ? '' : `: ${reasons}`}`;
}

/** The summary's section: the counts, what each level would leave out (a dry run decides with it), and samples. */
export function renderBotsSummary(bots: BotStats, dryRun: boolean): string[] {
	const out = ['', 'Bot detection by behaviour', '--------------------------', '', `    ${botsLine(bots)}`];
	if (dryRun) {
		const {levels} = bots;
		out.push(
			`    visitors each --bot-detection level leaves out: reference ${count(levels.reference)}, modern ${count(levels.modern)}, behavior ${count(levels.behavior)}`,
		);
	}

	if (bots.samples.length > 0) {
		out.push('    samples (check them for people):');
		for (const sample of bots.samples.slice(0, 10)) {
			out.push(
				`        ${sample.ip}  ${count(sample.hits)} hits  ${sample.why.join(', ')}  ${sample.userAgent.length > 120 ? sample.userAgent.slice(0, 120) + '…' : sample.userAgent}`,
			);
		}
	}

	return out;
}

export function botsJson(bots: BotStats): Record<string, unknown> {
	return {
		tracked: bots.tracked,
		visitors: bots.visitors,
		hits: bots.hits,
		byReason: {...bots.byReason},
		levels: {...bots.levels},
		samples: bots.samples.map(sample => ({...sample, why: [...sample.why]})),
	};
}
