/**
 * The level of an engine log message for the headless log (`2026-12-04 20:28:56: [WARNING] …`). The engine logs
 * through one `log(message)` callback; a message that is plainly a warning or an error says so itself (its first
 * word), or is one of the engine's known problem notices. Everything else is information.
 */
export type LogLevel = 'INFO' | 'WARNING' | 'ERROR';

const levelWord = /^(warning|warn|error|fatal)\b:?\s*/i;

/** Engine notices that report something going wrong, though not written with a level word. */
const warnings = [
	/^file not found: /,
	/^no file matches '/,
	/: (is a directory|permission denied)/i,
	/^progress could not be saved: /,
	/^The Matomo tracker identified \d+ invalid requests/,
	/; the lines before it were imported$/,
];

export interface LeveledMessage {
	readonly level: LogLevel;
	/** The message without a leading "WARNING:" the level now says. */
	readonly text: string;
}

export function levelOf(message: string): LeveledMessage {
	const word = levelWord.exec(message);
	if (word) {
		const level: LogLevel = /^warn/i.test(word[1]!) ? 'WARNING' : 'ERROR';
		const rest = message.slice(word[0].length);
		return {level, text: rest === '' ? message : rest};
	}

	return {level: warnings.some(pattern => pattern.test(message)) ? 'WARNING' : 'INFO', text: message};
}
