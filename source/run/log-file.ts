/**
 * The engine's log in the TUI: -d and --debug-tracker lines cannot go to the terminal while Ink draws on it (they
 * would tear the screen), so they are appended to a file, named in the run's notices (and so in the summary).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LogFile {
	readonly path: string;
	write(message: string): void;
}

/** A log file in the temporary directory when the configuration asks for debug output, else undefined. */
export function debugLogFile(config: {debug: number; debugTracker: boolean}, dir = os.tmpdir()): LogFile | undefined {
	if (config.debug === 0 && !config.debugTracker) return undefined;
	const file = path.join(dir, `matomo-log-import-${process.pid}-${Date.now()}.log`);
	return {
		path: file,
		write(message) {
			const stamp = new Date().toISOString().replace('T', ' ').slice(0, 19);
			fs.appendFileSync(file, `${stamp}: [INFO] ${message}\n`);
		},
	};
}
