/** Placeholder until the interactive UI lands: run headless with the same options. */
import type {ImportConfig} from '../options/config.js';

export async function runInteractive(_config: ImportConfig, _given: ReadonlyMap<string, unknown>): Promise<number> {
	process.stderr.write('The interactive UI is not built yet: run with --yes.\n');
	return 2;
}
