/** An error that ends the whole run (not just one input): a bad format name, a format without hosts in host mode. */
export class RunError extends Error {
	override readonly name = 'RunError';
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
