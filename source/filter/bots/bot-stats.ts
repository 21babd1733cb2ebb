/** What --bot-detection=behavior found, as plain data in the run state (the summary, --json and the dashboard show it). */
export interface BotSample {
	ip: string;
	userAgent: string;
	/** The visitor's hits that were held back (or, with --enable-bots, tracked as a bot). */
	hits: number;
	why: string[];
}

export interface BotStats {
	/** --enable-bots: the bots found were tracked as bots, not left out. */
	tracked: boolean;
	/** Visitors found to be bots by their behaviour, and their hits. */
	visitors: number;
	hits: number;
	/** Visitors per reason label (a visitor usually has several). */
	byReason: Record<string, number>;
	/** The first bot visitors found, to check for false positives. */
	samples: BotSample[];
	/** Hits held now, waiting for their visitor's verdict. */
	held: number;
	/** Distinct visitors each level drops (the behaviour level includes the modern one, which includes the reference's). */
	levels: {reference: number; modern: number; behavior: number};
}

export const BOT_SAMPLES = 20;

export function createBotStats(tracked: boolean): BotStats {
	return {tracked, visitors: 0, hits: 0, byReason: {}, samples: [], held: 0, levels: {reference: 0, modern: 0, behavior: 0}};
}
