/**
 * Step 4, what to track: the toggles and fields of the option table's "track" step (static files, bots, errors,
 * redirects, query strings, reverse DNS, dry run; paths, hosts, dates; recorders). Labels are the flags themselves,
 * so the cron line reads the same.
 */
import {useEffect, useRef, useState} from 'react';
import os from 'node:os';
import {Box, Text} from 'ink';
import {buildConfig} from '../options/config.js';
import {optionTable, type OptionSpec} from '../options/table.js';
import {detectFormat} from '../parse/detect.js';
import {formats} from '../../formats/index.js';
import {defaultFormatOptions} from '../parse/format.js';
import {listeningTimeFormats} from '../track/listening-time.js';
import {botDetectionChoices} from '../filter/bots/levels.js';
import type {LogSample} from './log-sample.js';
import {ToggleList} from './toggle-list.js';
import {TextField} from './text-field.js';
import {useKeys} from './use-keys.js';
import {useTheme} from './theme.js';
import {applyChanges, givenFlag, givenList, givenText, type GivenChanges, type GivenMap, type GivenValue} from './given.js';

export interface TrackStepProps {
	readonly given: GivenMap;
	readonly files: readonly string[];
	readonly env: NodeJS.ProcessEnv;
	/** Where Matomo runs, for the recorder recommendation. */
	readonly matomoUrl: string | undefined;
	/** Some of these flags were given: take them as the answer. */
	readonly auto: boolean;
	readonly width: number;
	readonly rows: number;
	readonly onDone: (changes: GivenChanges) => void;
	/** Esc: back a step, keeping the answers given here (ticks are not discarded). */
	readonly onBack: (changes?: GivenChanges) => void;
	/** The log format (to offer format-specific choices). */
	readonly format?: string;
}

export const trackOptions: readonly OptionSpec[] = optionTable.filter(option => option.wizard === 'track');
const allToggles = trackOptions.filter(option => option.type === 'boolean');

/**
 * The format the import will use: the one given, or the one detected on the sample. Some choices only make sense
 * for some formats (listening time: Icecast and SHOUTcast logs).
 */
export function chosenFormatName(given: GivenMap, sample: LogSample | undefined): string | undefined {
	if (givenText(given, 'log-format-regex') !== undefined) return 'custom';
	const named = givenText(given, 'log-format-name');
	if (named !== undefined) return named;
	return sample ? detectFormat(sample.lines, formats, defaultFormatOptions)?.format.name : undefined;
}

function togglesFor(format: string | undefined): readonly OptionSpec[] {
	return allToggles.filter(option => option.flag !== 'track-listening-time' || (format !== undefined && listeningTimeFormats.includes(format)));
}
const fields = trackOptions.filter(option => option.type !== 'boolean');

function fieldText(given: GivenMap, option: OptionSpec): string {
	return option.type === 'list' ? givenList(given, option.flag).join(', ') : (givenText(given, option.flag) ?? '');
}

function fieldValue(option: OptionSpec, text: string): GivenValue | undefined {
	if (option.type === 'list') {
		const items = text
			.split(',')
			.map(item => item.trim())
			.filter(item => item !== '');
		return items.length === 0 ? undefined : items;
	}

	const trimmed = text.trim();
	return trimmed === '' ? undefined : trimmed;
}

/** Matomo's CPU cores are what bounds it; when Matomo runs here, this machine's count is that number. */
export function recorderAdvice(matomoUrl: string | undefined): string {
	let local = false;
	try {
		local = matomoUrl !== undefined && ['localhost', '127.0.0.1', '[::1]'].includes(new URL(matomoUrl).hostname);
	} catch {
		local = false;
	}

	return local
		? `Matomo runs on this machine: ${os.availableParallelism()} CPU cores, so up to ${os.availableParallelism()}`
		: 'about the number of CPU cores of the Matomo server; "auto" finds it';
}

export function TrackStep({given, files, env, matomoUrl, auto, width, rows, onDone, onBack, format}: TrackStepProps) {
	const theme = useTheme();
	const toggles = togglesFor(format);
	const [checked, setChecked] = useState<Record<string, boolean>>(() =>
		Object.fromEntries(toggles.map(option => [option.flag, givenFlag(given, option.flag)])),
	);
	const [texts, setTexts] = useState<Record<string, string>>(() => Object.fromEntries(fields.map(option => [option.flag, fieldText(given, option)])));
	// The answers as of the last key: a paste ending in Enter arrives in one chunk, before React renders.
	const checkedRef = useRef(checked);
	const textsRef = useRef(texts);
	const [cursor, setCursor] = useState(0);
	const cursorRef = useRef(0);
	const [error, setError] = useState<string | undefined>();
	const count = toggles.length + fields.length;

	const changes = (): GivenChanges => ({
		...Object.fromEntries(toggles.map(option => [option.flag, checkedRef.current[option.flag] ? true : undefined])),
		...Object.fromEntries(fields.map(option => [option.flag, fieldValue(option, textsRef.current[option.flag] ?? '')])),
	});

	const submit = () => {
		const next = changes();
		try {
			// The same checks as the command line (dates, recorders): one set of rules, one wording.
			buildConfig(applyChanges(given, next), files, env);
		} catch (problem) {
			setError(problem instanceof Error ? problem.message : String(problem));
			return;
		}

		onDone(next);
	};

	// Flags of this step were given: they are the answer (the checks above still apply).
	useEffect(() => {
		if (auto) submit();
	}, []);

	const move = (to: number) => {
		cursorRef.current = (to + count) % count;
		setCursor(cursorRef.current);
	};

	useKeys((input, key) => {
		// Enter may be the field's submit that just set the error: any other key clears it.
		if (!key.return) setError(undefined);
		if (key.escape) return onBack(changes());
		if (key.upArrow) return move(cursorRef.current - 1);
		if (key.downArrow) return move(cursorRef.current + 1);
		const toggle = toggles[cursorRef.current];
		// On a text field, Enter is the field's (it may come glued to the text typed before it).
		if (key.return && toggle) return submit();
		if (toggle && (input === ' ' || input === 'x')) {
			checkedRef.current = {...checkedRef.current, [toggle.flag]: !checkedRef.current[toggle.flag]};
			setChecked(checkedRef.current);
		}
	});

	// 15 rows of controls: in a short terminal, no blank lines and a one-line help.
	const compact = rows < 30;
	const labelWidth = Math.max(...trackOptions.map(option => option.flag.length)) + 3;
	const fieldIndex = cursor - toggles.length;
	const focused = cursor < toggles.length ? toggles[cursor] : fields[fieldIndex];
	return (
		<Box flexDirection="column">
			<ToggleList
				items={toggles.map(option => ({
					key: option.flag,
					label: `--${option.flag}`,
					checked: checked[option.flag] ?? false,
					hint: option.help,
				}))}
				cursor={cursor < toggles.length ? cursor : -1}
				labelWidth={labelWidth}
				width={width}
			/>
			<Box flexDirection="column" marginTop={compact ? 0 : 1}>
				{fields.map((option, index) => {
					const isFocused = index === fieldIndex;
					return (
						<Box key={option.flag}>
							<Text color={isFocused ? theme.accent : undefined} bold={isFocused}>
								{isFocused ? '❯ ' : '  '}
							</Text>
							<Box width={labelWidth + 4} flexShrink={0}>
								<Text bold={isFocused}>{`--${option.flag}`}</Text>
							</Box>
							<TextField
								value={texts[option.flag] ?? ''}
								isFocused={isFocused}
								placeholder={placeholderOf(option)}
								width={Math.max(12, width - labelWidth - 8)}
								onChange={value => {
									textsRef.current = {...textsRef.current, [option.flag]: value};
									setTexts(textsRef.current);
								}}
								onSubmit={submit}
							/>
						</Box>
					);
				})}
			</Box>
			<Box marginTop={compact ? 0 : 1} width={width}>
				<Text dimColor wrap={compact ? 'truncate-end' : 'wrap'}>
					{focused
						? `--${focused.flag}: ${focused.flag === 'recorders' ? `Recommended: ${recorderAdvice(matomoUrl)}. ` : ''}${focused.help}${focused.type === 'list' ? ' (comma-separated)' : ''}`
						: ''}
				</Text>
			</Box>
			{focused?.flag === 'bot-detection'
				? botDetectionChoices.map(([level, line]) => <Text key={level} dimColor wrap="truncate-end">{`  ${level.padEnd(10)} ${line}`}</Text>)
				: null}
			{error ? <Text color={theme.error}>✗ {error}</Text> : null}
			<Text dimColor>↑↓ move · Space toggle · type in a field · Enter continue · Esc back</Text>
		</Box>
	);
}

function placeholderOf(option: OptionSpec): string {
	if (option.flag === 'recorders') return '1 (or a number, or auto)';
	if (option.flag === 'bot-detection') return 'reference (or modern, behavior)';
	if (option.flag.startsWith('exclude-older') || option.flag.startsWith('exclude-newer')) return 'YYYY-MM-DD hh:mm:ss +hhmm';
	if (option.type === 'list') return `${(option.value ?? 'value').toLowerCase()}, …`;
	return '';
}
