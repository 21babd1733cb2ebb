/**
 * The `modern` list: the reference's user-agent substrings plus isbot's maintained pattern of crawlers, AI agents,
 * HTTP libraries and headless browsers (see the readme's design notes for why isbot). Loaded on first use: a run
 * with the reference's list does not pay for it.
 */
import {createRequire} from 'node:module';

let isbot: ((userAgent: string) => boolean) | undefined;

/** Whether isbot's list names the user agent a crawler or tool (it also flags "-" and other non-browser agents). */
export function isModernBotAgent(userAgent: string): boolean {
	isbot ??= (createRequire(import.meta.url)('isbot') as {isbot: (userAgent: string) => boolean}).isbot;
	return isbot(userAgent);
}
