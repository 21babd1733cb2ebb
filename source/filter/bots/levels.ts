/** The levels of --bot-detection (kept apart from the lists: reading the options must not load them). */
export type BotDetection = 'reference' | 'modern' | 'behavior';

export const botDetectionLevels: readonly BotDetection[] = ['reference', 'modern', 'behavior'];

/** Each level in one line (the wizard's choices). */
export const botDetectionChoices: ReadonlyArray<[BotDetection, string]> = [
	['reference', "import_logs.py's list of bot user agents: the same requests as the reference"],
	['modern', 'also crawlers, AI agents, HTTP libraries and headless browsers by a maintained list (isbot)'],
	['behavior', 'also visitors whose requests show a bot: robots.txt, pages without assets, rate, regularity'],
];
