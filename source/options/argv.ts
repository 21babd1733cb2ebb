/**
 * Command-line parsing: the option table drives meow. Before meow sees argv, we give it the argparse behaviour
 * import_logs.py users rely on in their cron lines: unique prefixes of long flags (`--enable-s` = `--enable-static`),
 * counted `-d`/`-dd`, and `--track-http-method` with or without a value.
 */
import meow from 'meow';
import {optionTable, optionByFlag, flagKey, type OptionSpec} from './table.js';
import {renderHelp} from './help.js';

export class UsageError extends Error {
	override readonly name = 'UsageError';
}

export type RawFlags = Record<string, string | number | boolean | string[] | undefined>;

export interface ParsedArgs {
	/** Values by kebab-case flag, only for flags given on the command line. */
	readonly given: ReadonlyMap<string, string | boolean | string[] | number>;
	/** Positional arguments: files, globs, `-`. */
	readonly files: string[];
}

const truthyWords = new Set(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off']);

/** Resolve a long flag name, accepting unique prefixes like argparse does. */
function resolveFlag(name: string): OptionSpec | undefined {
	const exact = optionByFlag.get(name);
	if (exact) return exact;
	if (name.startsWith('no-')) {
		const negated = optionByFlag.get(name.slice(3));
		if (negated?.type === 'boolean') return negated;
	}

	const candidates = optionTable.filter(option => option.flag.startsWith(name));
	if (candidates.length === 1) return candidates[0];
	if (candidates.length > 1) {
		throw new UsageError(`ambiguous option: --${name} could match ${candidates.map(option => `--${option.flag}`).join(', ')}`);
	}

	return undefined;
}

/**
 * Rewrite argv into a canonical form: full flag names, `--flag=value` for valued flags, counts pulled out.
 * Returns the debug count separately (meow has no count type).
 */
export function normaliseArgv(argv: readonly string[]): {argv: string[]; debug: number} {
	const out: string[] = [];
	let debug = 0;
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === '--') {
			out.push(...argv.slice(i));
			break;
		}

		if (/^-d+$/.test(arg)) {
			debug += arg.length - 1;
			continue;
		}

		if (arg === '-y') {
			out.push('--yes');
			continue;
		}

		if (arg === '-h') {
			out.push('--help');
			continue;
		}

		if (!arg.startsWith('--') || arg === '--help' || arg === '--version') {
			out.push(arg);
			continue;
		}

		const eq = arg.indexOf('=');
		const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
		const option = resolveFlag(name);
		if (!option) {
			throw new UsageError(`unknown option --${name} (see --help)`);
		}

		const negated = name.startsWith('no-') && option.flag !== name && optionByFlag.get(name) === undefined;
		if (option.type === 'count') {
			debug++;
			continue;
		}

		if (option.type === 'boolean') {
			if (eq !== -1) throw new UsageError(`--${option.flag} takes no value`);
			out.push(negated ? `--no-${option.flag}` : `--${option.flag}`);
			continue;
		}

		let value: string | undefined;
		if (eq !== -1) {
			value = arg.slice(eq + 1);
		} else if (option.flag === 'track-http-method') {
			// The reference requires a value here by accident; accept the bare flag too, and a yes/no-like word after it.
			const next = argv[i + 1];
			if (next !== undefined && truthyWords.has(next.toLowerCase())) {
				value = next;
				i++;
			} else {
				value = '1';
			}
		} else {
			value = argv[i + 1];
			if (value === undefined) throw new UsageError(`--${option.flag} needs a value (${option.value ?? 'VALUE'})`);
			i++;
		}

		out.push(`--${option.flag}=${value}`);
	}

	return {argv: out, debug};
}

function meowFlags() {
	const flags: Record<string, {type: 'string' | 'boolean'; isMultiple?: boolean; shortFlag?: string}> = {};
	for (const option of optionTable) {
		if (option.type === 'count') continue;
		flags[flagKey(option.flag)] = {
			type: option.type === 'boolean' ? 'boolean' : 'string',
			isMultiple: option.type === 'list' || option.type === 'dict' ? true : undefined,
		};
	}

	return flags;
}

/** Parse argv (without node and script). Exits through meow for --help and --version. */
export function parseArgv(argv: readonly string[], importMeta: ImportMeta): ParsedArgs {
	const normalised = normaliseArgv(argv);
	const cli = meow({
		importMeta,
		argv: normalised.argv,
		help: renderHelp(),
		flags: meowFlags(),
		allowUnknownFlags: false,
		booleanDefault: undefined,
	});

	const given = new Map<string, string | boolean | string[] | number>();
	for (const option of optionTable) {
		if (option.type === 'count') continue;
		const value = (cli.flags as RawFlags)[flagKey(option.flag)];
		if (value === undefined) continue;
		if (Array.isArray(value) && value.length === 0) continue;
		given.set(option.flag, value as string | boolean | string[]);
	}

	if (normalised.debug > 0) given.set('debug', normalised.debug);
	return {given, files: cli.input.map(String)};
}
