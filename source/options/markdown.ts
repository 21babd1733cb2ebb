/** The option table as the readme's reference: generated, so the readme cannot drift from `--help`. */
import {groupOrder, optionTable, type OptionSpec} from './table.js';

function usage(option: OptionSpec): string {
	const short = option.short ? `-${option.short}, ` : '';
	if (option.type === 'boolean') return option.default === true ? `--no-${option.flag}` : `${short}--${option.flag}`;
	if (option.type === 'count') return `${short}--${option.flag}`;
	return `${short}--${option.flag} ${option.value ?? 'VALUE'}`;
}

function escapeCell(text: string): string {
	return text.replaceAll('|', '\\|');
}

export function renderOptionsMarkdown(): string {
	const out: string[] = [];
	for (const group of groupOrder) {
		const options = optionTable.filter(option => option.group === group && !option.hidden);
		if (options.length === 0) continue;
		out.push(`### ${group}`, '', '| Option | Default | What it does |', '| --- | --- | --- |');
		for (const option of options) {
			const defaultText = option.default === undefined || option.type === 'boolean' ? '' : `\`${String(option.default)}\``;
			const marks = [option.ours ? '*(ours)*' : '', option.ignored ? '*(accepted, no effect)*' : ''].filter(Boolean).join(' ');
			out.push(`| \`${escapeCell(usage(option))}\` | ${escapeCell(defaultText)} | ${escapeCell(option.help)}${marks ? ' ' + marks : ''} |`);
		}

		out.push('');
	}

	return out.join('\n').trimEnd();
}

const start = '<!-- options:start -->';
const end = '<!-- options:end -->';

/** The readme with its options section replaced by the generated one. */
export function withOptionsSection(readme: string): string {
	const from = readme.indexOf(start);
	const to = readme.indexOf(end);
	if (from === -1 || to === -1) throw new Error(`the readme lacks the ${start} … ${end} markers`);
	return readme.slice(0, from + start.length) + '\n' + renderOptionsMarkdown() + '\n' + readme.slice(to);
}
