/** The message of a file-system error, without Node's `ENOENT: …, open '…'` noise. */
export function describeFsError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException | null)?.code;
	switch (code) {
		case 'ENOENT':
			return 'file not found';
		case 'EISDIR':
			return 'is a directory';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		case 'ELOOP':
			return 'too many levels of symbolic links';
		case 'ENOTDIR':
			return 'a component of the path is not a directory';
		default:
			return error instanceof Error ? error.message : String(error);
	}
}
