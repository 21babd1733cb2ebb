/**
 * The "equivalent headless command": what the wizard's choices look like as one cron line. Generated from the
 * option table, so the wizard, the flags and this line never disagree.
 *
 * Secrets never appear in clear. The token is read by the program from MATOMO_TOKEN_AUTH, so it leaves the command
 * line altogether (it would show in `ps`) and becomes `MATOMO_TOKEN_AUTH=… ` in front; other secrets become
 * `--flag="$MATOMO_FLAG"`.
 */
import path from 'node:path';
import {optionTable, type OptionSpec} from './table.js';

export type GivenValue = string | boolean | string[] | number;
export type Given = ReadonlyMap<string, GivenValue>;

export interface EquivalentCommandOptions {
	/** The program as typed; default `matomo-log-import`. */
	program?: string;
	/**
	 * Make relative file paths absolute against this directory: cron does not start in the directory the wizard ran
	 * in. Left alone when absent.
	 */
	cwd?: string;
	/** The token came from MATOMO_TOKEN_AUTH (it is not in `given`, but the command still needs it). */
	tokenFromEnv?: boolean;
}

export interface EquivalentCommand {
	/** The words after the program, unquoted (`--yes`, `--url=…`, files). */
	args: string[];
	/** Environment variables the command needs, by name (values never included). */
	env: string[];
	/** One shell line: `MATOMO_TOKEN_AUTH=… matomo-log-import --yes --url=… file…`. */
	line: string;
	/** A POSIX sh script that runs the command with the secrets taken from the environment. */
	script: string;
}

/** The environment variable that carries a secret flag: `token-auth` → `MATOMO_TOKEN_AUTH`. */
export function secretVariable(flag: string): string {
	return `MATOMO_${flag.replace(/-/g, '_').toUpperCase()}`;
}

/** Flags the program reads from the environment by itself (no flag needed in the command). */
const readFromEnvironment = new Set(['token-auth']);

/**
 * Flags that never belong in the cron line: it always runs headless (--yes is added), and --reimport is a choice for
 * one run (in cron it would import everything again each time).
 */
const leftOut = new Set(['yes', 'reimport']);

const safeWord = /^[\w@%+=:,./-]+$/;

/** POSIX shell quoting: as is when safe, else single quotes (a `'` inside becomes `'\''`). */
export function shellQuote(word: string): string {
	if (word !== '' && safeWord.test(word)) return word;
	return `'${word.replace(/'/g, `'\\''`)}'`;
}

function isDefault(option: OptionSpec, value: GivenValue): boolean {
	if (option.default === undefined) return false;
	return String(option.default) === String(value);
}

/** The words for one (non-secret) option, unquoted; none when the value is the default. */
function optionWords(option: OptionSpec, value: GivenValue): string[] {
	switch (option.type) {
		case 'boolean': {
			const on = value === true || value === 'true';
			if (on === (option.default === true)) return [];
			return [on ? `--${option.flag}` : `--no-${option.flag}`];
		}

		case 'count': {
			const n = Number(value);
			return Number.isInteger(n) && n > 0 ? Array.from({length: n}, () => `--${option.flag}`) : [];
		}

		case 'list':
		case 'dict': {
			const values = Array.isArray(value) ? value : [String(value)];
			return values.map(item => `--${option.flag}=${item}`);
		}

		default: {
			const text = Array.isArray(value) ? value.at(-1) : String(value);
			if (text === undefined || isDefault(option, text)) return [];
			return [`--${option.flag}=${text}`];
		}
	}
}

function absoluteFile(file: string, cwd: string | undefined): string {
	if (cwd === undefined || file === '-' || path.isAbsolute(file)) return file;
	return path.resolve(cwd, file);
}

export function equivalentCommand(given: Given, files: readonly string[], options: EquivalentCommandOptions = {}): EquivalentCommand {
	const program = options.program ?? 'matomo-log-import';
	const args = ['--yes'];
	const quoted = ['--yes'];
	const env: string[] = [];
	if (options.tokenFromEnv && !given.has('token-auth')) env.push(secretVariable('token-auth'));

	// Table order, not the order given: the same choices always give the same line.
	for (const option of optionTable) {
		if (leftOut.has(option.flag) || option.ignored) continue;
		const value = given.get(option.flag);
		if (value === undefined) continue;
		if (option.secret) {
			const variable = secretVariable(option.flag);
			if (!env.includes(variable)) env.push(variable);
			if (readFromEnvironment.has(option.flag)) continue;
			args.push(`--${option.flag}=$${variable}`);
			// Double quotes so the shell expands the variable, and only the variable.
			quoted.push(`--${option.flag}="$${variable}"`);
			continue;
		}

		for (const word of optionWords(option, value)) {
			args.push(word);
			const eq = word.indexOf('=');
			quoted.push(eq === -1 ? shellQuote(word) : `${word.slice(0, eq + 1)}${shellQuote(word.slice(eq + 1))}`);
		}
	}

	const fileWords = files.map(file => absoluteFile(file, options.cwd));
	// A file named like a flag would be read as one.
	if (fileWords.some(file => file.startsWith('-') && file !== '-')) {
		args.push('--');
		quoted.push('--');
	}

	args.push(...fileWords);
	quoted.push(...fileWords.map(file => shellQuote(file)));

	const prefix = env.map(variable => `${variable}=… `).join('');
	const line = `${prefix}${shellQuote(program)} ${quoted.join(' ')}`;
	const script = [
		'#!/bin/sh',
		'# Written by the matomo-log-import wizard: the same import, without questions (for cron).',
		...(env.length > 0 ? ['# Secrets come from the environment, e.g. in the crontab: MATOMO_TOKEN_AUTH=your-token'] : []),
		...env.map(variable => `: "\${${variable}:?set ${variable} (see matomo-log-import --help)}"`),
		...(env.length > 0 ? [`export ${env.join(' ')}`] : []),
		`exec ${shellQuote(program)} ${quoted.join(' ')} "$@"`,
		'',
	].join('\n');
	return {args, env, line, script};
}
