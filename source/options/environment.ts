/** What the environment says about how to run: on a CI runner, and whether colours are wanted. */

/** `CI` set to something other than empty, `false` or `0` (the convention of CI services). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
	return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
}

/** https://no-color.org: `NO_COLOR` present and not empty turns colours off. */
export function noColor(env: NodeJS.ProcessEnv): boolean {
	return env.NO_COLOR !== undefined && env.NO_COLOR !== '';
}
