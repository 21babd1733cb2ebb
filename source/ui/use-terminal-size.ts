/**
 * The size to lay out for: the terminal's, following resizes. Width within the bounds the panels are designed for;
 * height so the live area stays shorter than the screen (Ink clears the whole terminal, scrollback included, when
 * its live output reaches the screen's height).
 */
import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

export interface TerminalSize {
	readonly columns: number;
	readonly rows: number;
}

const narrowest = 40;
const widest = 160;

function sizeOf(stdout: NodeJS.WriteStream): TerminalSize {
	const columns = stdout.columns > 0 ? stdout.columns : 80;
	const rows = stdout.rows > 0 ? stdout.rows : 24;
	return {columns: Math.max(narrowest, Math.min(widest, columns)), rows: Math.max(10, rows)};
}

export function useTerminalSize(): TerminalSize {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => sizeOf(stdout));
	useEffect(() => {
		const onResize = () => {
			setSize(sizeOf(stdout));
		};

		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}
