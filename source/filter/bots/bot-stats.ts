/** What --bot-detection=behavior found, as plain data in the run state (the summary, --json and the dashboard show it). */
import type {BotStats} from '../../core/run-state.js';

export type {BotSample, BotStats} from '../../core/run-state.js';

export const BOT_SAMPLES = 20;

export function createBotStats(tracked: boolean): BotStats {
	return {tracked, visitors: 0, hits: 0, byReason: {}, samples: [], held: 0, levels: {reference: 0, modern: 0, behavior: 0}};
}
