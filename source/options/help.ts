/** `--help`, generated from the option table, in the style of sindresorhus' meow CLIs. */
import {optionTable, groupOrder, type OptionSpec} from './table.js';
import {wrapWords} from '../report/wrap.js';

function flagLabel(option: OptionSpec): string {
	const short = option.short ? `-${option.short}, ` : '';
	if (option.type === 'boolean') return option.default === true ? `${short}--no-${option.flag}` : `${short}--${option.flag}`;
	if (option.type === 'count') return `${short}--${option.flag}`;
	return `${short}--${option.flag} ${option.value ?? 'VALUE'}`;
}

function defaultLabel(option: OptionSpec): string {
	if (option.default === undefined || option.type === 'boolean') return '';
	return ` (default: ${option.default})`;
}

const helpWidth = 100;

export function renderHelp(): string {
	const lines: string[] = [
		'Usage',
		'  $ matomo-log-import                                  (in a terminal: the wizard)',
		'  $ matomo-log-import --url=URL --idsite=ID [options] <file|glob|-> ...',
		'',
		'  Files may be plain, gzip or bzip2 (found by their content), glob patterns in quotes, or - for stdin.',
		'  Without --yes and in a terminal, the options given pre-fill the wizard.',
	];
	for (const group of groupOrder) {
		const options = optionTable.filter(option => option.group === group && !option.hidden);
		if (options.length === 0) continue;
		lines.push('', group);
		const labels = options.map(option => flagLabel(option));
		const width = Math.min(44, Math.max(...labels.map(label => label.length)) + 2);
		for (const [index, option] of options.entries()) {
			const label = labels[index]!;
			const pad = label.length >= width ? `\n  ${' '.repeat(width)}` : ' '.repeat(width - label.length);
			lines.push(`  ${label}${pad}${wrapWords(option.help + defaultLabel(option), Math.max(30, helpWidth - width - 2), width + 2)}`);
		}
	}

	lines.push(
		'',
		'Environment',
		'  MATOMO_TOKEN_AUTH    The token, instead of --token-auth',
		'  NO_COLOR             No colours',
		'',
		'Exit status',
		'  0 imported   1 failed (Matomo unreachable, bad token, unreadable file…)   2 bad option',
		'  130/143 stopped by Ctrl+C / SIGTERM (progress saved: run the same command again to resume)',
		'',
		'Examples',
		'  $ matomo-log-import',
		'  $ MATOMO_TOKEN_AUTH=… matomo-log-import --yes --url=https://matomo.example.com --idsite=1 /var/log/nginx/access.log',
		'  $ matomo-log-import --yes --dry-run --url=http://localhost --idsite=1 "logs/*.gz"',
	);
	return lines.join('\n');
}
