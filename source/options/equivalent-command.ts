/**
 * The "equivalent headless command": what the wizard's choices look like as one cron line. Generated from the
 * option table, so the wizard, the flags and this line never disagree.
 *
 * Secrets never appear in clear. The token is read by the program from MATOMO_TOKEN_AUTH, so it leaves the command
 * line altogether (it would show in `ps`) and becomes `MATOMO_TOKEN_AUTH=… ` in front; so do the passwords
 * (MATOMO_AUTH_PASSWORD, MATOMO_PASSWORD). Credentials in the URL (`http://user:pass@host`) become --auth-user and
 * MATOMO_AUTH_PASSWORD.
 */
import path from 'node:path';
import {optionTable, type OptionSpec} from './table.js';

export type GivenValue = string | boolean | string[] | number;
export type Given = ReadonlyMap<string, GivenValue>;

export interface EquivalentCommandOptions {
	/** The program as typed, one word or several (`/usr/bin/node /opt/mli/cli.js`); default `matomo-log-import`. */
	program?: string | readonly string[];
	/** Pin this state file (the run's, when cron would not find it by itself: XDG_STATE_HOME is not set there). */
	stateFile?: string;
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
	/** The words of `line`, quoted (joined with spaces they are `line`): to wrap it only between words. */
	words: string[];
	/** A POSIX sh script that runs the command with the secrets taken from the environment. */
	script: string;
}

/** The environment variable that carries a secret flag: `token-auth` → `MATOMO_TOKEN_AUTH`. */
export function secretVariable(flag: string): string {
	return `MATOMO_${flag.replace(/-/g, '_').toUpperCase()}`;
}

/**
 * Flags the program reads from the environment by itself (no flag needed in the command, nothing for `ps` to show).
 * Every secret of the table.
 */
const readFromEnvironment = new Set(['token-auth', 'auth-password', 'password']);

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

/** The URL without its credentials, which become --auth-user and --auth-password (secret) unless given. */
function withoutUrlCredentials(given: Given): Given {
	const url = given.get('url');
	if (typeof url !== 'string') return given;
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return given;
	}

	if (parsed.username === '' && parsed.password === '') return given;
	const out = new Map(given);
	if (!out.has('auth-user')) {
		out.set('auth-user', decodeURIComponent(parsed.username));
		if (parsed.password !== '' && !out.has('auth-password')) out.set('auth-password', decodeURIComponent(parsed.password));
	}

	parsed.username = '';
	parsed.password = '';
	// URL adds a `/` to a bare host: keep what was typed otherwise.
	out.set('url', url.endsWith('/') || parsed.pathname !== '/' ? parsed.href : parsed.href.slice(0, -1));
	return out;
}

/** `http://user:pass@host/` → `http://host/`: what may be printed of a URL. */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.username === '' && parsed.password === '') return url;
		parsed.username = '';
		parsed.password = '';
		return url.endsWith('/') || parsed.pathname !== '/' ? parsed.href : parsed.href.slice(0, -1);
	} catch {
		return url.replace(/\/\/[^/@]*@/, '//');
	}
}

/**
 * The command as lines of at most `width` columns, broken only between words with ` \` (a shell continuation), so
 * what is copied from the screen is still the command. A word longer than the width stays whole on its own line.
 */
export function wrapCommand(words: readonly string[], width: number): string[] {
	const lines: string[] = [];
	let current = '';
	for (const word of words) {
		const indent = lines.length === 0 && current === '' ? '' : '  ';
		if (current === '') {
			current = `${indent}${word}`;
		} else if (current.length + 1 + word.length + 2 <= width) {
			current = `${current} ${word}`;
		} else {
			lines.push(`${current} \\`);
			current = `  ${word}`;
		}
	}

	if (current !== '') lines.push(current);
	return lines;
}

export function equivalentCommand(given: Given, files: readonly string[], options: EquivalentCommandOptions = {}): EquivalentCommand {
	const programWords = typeof options.program === 'string' ? [options.program] : [...(options.program ?? ['matomo-log-import'])];
	given = withoutUrlCredentials(given);
	if (options.stateFile !== undefined && !given.has('state-file')) given = new Map(given).set('state-file', options.stateFile);
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

	const program = programWords.map(word => shellQuote(word)).join(' ');
	const words = [...env.map(variable => `${variable}=…`), ...programWords.map(word => shellQuote(word)), ...quoted];
	const line = words.join(' ');
	const script = [
		'#!/bin/sh',
		'# Written by the matomo-log-import wizard: the same import, without questions (for cron).',
		...(env.length > 0 ? ['# Secrets come from the environment, e.g. in the crontab: MATOMO_TOKEN_AUTH=your-token'] : []),
		...env.map(variable => `: "\${${variable}:?set ${variable} (see matomo-log-import --help)}"`),
		...(env.length > 0 ? [`export ${env.join(' ')}`] : []),
		`exec ${program} ${quoted.join(' ')} "$@"`,
		'',
	].join('\n');
	return {args, env, line, words, script};
}
