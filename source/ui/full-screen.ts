/**
 * The alternate screen for the wizard and the dashboard, as full-screen programs (less, vim, htop) do: the shell's
 * screen is left as it was, and given back at exit, whatever the exit (a return, Ctrl+C, a signal, an error).
 * After a resize the screen is cleared and drawn again whole: lines the terminal re-flowed would otherwise stay as
 * torn copies of the old frame.
 */
import process from 'node:process';

const enter = '\u001B[?1049h\u001B[H\u001B[2J';
const leave = '\u001B[?1049l';
const clear = '\u001B[H\u001B[2J\u001B[3J';

export interface FullScreen {
	/** Back to the normal screen (once; later calls do nothing). */
	leave(): void;
	/** On each resize: clear, then `redraw` (the renderer forgets its last frame and draws it whole). */
	redrawOnResize(redraw: () => void): void;
}

export function enterFullScreen(stdout: NodeJS.WriteStream = process.stdout): FullScreen {
	let active = true;
	const onExit = () => {
		if (!active) return;
		active = false;
		stdout.write(leave);
	};

	let onResize: (() => void) | undefined;
	stdout.write(enter);
	process.once('exit', onExit);
	return {
		leave() {
			if (onResize) stdout.off('resize', onResize);
			process.off('exit', onExit);
			onExit();
		},
		redrawOnResize(redraw) {
			onResize = () => {
				if (!active) return;
				stdout.write(clear);
				redraw();
			};

			// Before the renderer's own handler: it then draws on a clean screen.
			stdout.prependListener('resize', onResize);
		},
	};
}
