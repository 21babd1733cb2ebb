/** The levels of --bot-detection (kept apart from the lists: reading the options must not load them). */
export type BotDetection = 'reference' | 'modern' | 'behavior';

export const botDetectionLevels: readonly BotDetection[] = ['reference', 'modern', 'behavior'];
