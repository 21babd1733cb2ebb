/**
 * Colours, or none: NO_COLOR and --no-color must leave no colour escape at all, so components never name a colour
 * themselves; they take it from here, and with colours off every entry is undefined (Ink then emits nothing).
 */
import {createContext, useContext} from 'react';

export interface Theme {
	readonly color: boolean;
	readonly accent: string | undefined;
	readonly ok: string | undefined;
	readonly warn: string | undefined;
	readonly error: string | undefined;
	readonly muted: string | undefined;
}

export function createTheme(color: boolean): Theme {
	return color
		? {color, accent: 'cyan', ok: 'green', warn: 'yellow', error: 'red', muted: 'gray'}
		: {color, accent: undefined, ok: undefined, warn: undefined, error: undefined, muted: undefined};
}

export const ThemeContext = createContext<Theme>(createTheme(false));

export function useTheme(): Theme {
	return useContext(ThemeContext);
}
