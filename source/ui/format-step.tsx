/**
 * Step 3, format: the detected format with its evidence ("48 of 50 sample lines match ncsa_extended") and a preview
 * of the first lines as parsed fields; another format from the list, or a custom regex with a live preview.
 */
import {useEffect, useMemo, useRef, useState} from 'react';
import {Box, Text} from 'ink';
import {buildConfig} from '../options/config.js';
import {formats, formatByName} from '../../formats/index.js';
import {createCustomFormat} from '../../formats/custom.js';
import {detectFormat, headerLinesOf, type DetectionResult} from '../parse/detect.js';
import {defaultFormatOptions, type FormatOptions, type LineParser} from '../parse/format.js';
import {FormatPreview} from './format-preview.js';
import {SelectList, type SelectItem} from './select-list.js';
import {TextField} from './text-field.js';
import {useKeys} from './use-keys.js';
import {useTheme} from './theme.js';
import {readSample, type LogSample} from './log-sample.js';
import {givenText, type GivenChanges, type GivenMap} from './given.js';
import type {FileInfo} from './file-info.js';

export interface FormatStepProps {
	readonly given: GivenMap;
	readonly files: readonly string[];
	readonly infos: readonly FileInfo[];
	readonly env: NodeJS.ProcessEnv;
	/** The format was given as a flag: check it on the first file and go on. */
	readonly auto: boolean;
	readonly width: number;
	/** Terminal rows: the preview gets what the rest leaves. */
	readonly rows: number;
	readonly onDone: (changes: GivenChanges, sample: LogSample | undefined) => void;
	readonly onBack: () => void;
}

type Choice = {kind: 'auto'} | {kind: 'name'; name: string} | {kind: 'regex'; regex: string; dateFormat: string};

interface Reading {
	parser: LineParser | null;
	/** Why there is no parser. */
	error?: string;
	/** "detected: …" for the automatic choice. */
	detection?: DetectionResult | null;
	matches: number;
	dataLines: number;
}

const maxPreviewRows = 8;

function initialChoice(given: GivenMap): Choice {
	const regex = givenText(given, 'log-format-regex');
	if (regex !== undefined) return {kind: 'regex', regex, dateFormat: givenText(given, 'log-date-format') ?? ''};
	const name = givenText(given, 'log-format-name');
	return name === undefined ? {kind: 'auto'} : {kind: 'name', name};
}

function formatOptionsOf(given: GivenMap, files: readonly string[], env: NodeJS.ProcessEnv): FormatOptions {
	try {
		return buildConfig(given, files, env).formatOptions;
	} catch {
		return defaultFormatOptions;
	}
}

/** How the chosen format reads the sample. */
export function readWith(choice: Choice, sample: LogSample, options: FormatOptions): Reading {
	const header = headerLinesOf(sample.lines);
	const data = sample.lines.slice(header.length);
	const count = (parser: LineParser) => {
		let matches = 0;
		for (const line of data) {
			try {
				if (parser.parse(line) !== null) matches++;
			} catch {
				// A line that breaks the parser does not match.
			}
		}

		return matches;
	};

	if (choice.kind === 'auto') {
		const detection = detectFormat(sample.lines, formats, options);
		if (!detection) return {parser: null, detection: null, matches: 0, dataLines: data.length};
		return {parser: detection.parser, detection, matches: detection.sampleMatches, dataLines: detection.sampleSize};
	}

	if (choice.kind === 'regex' && choice.regex.trim() === '') return {parser: null, error: 'type a regular expression', matches: 0, dataLines: data.length};
	try {
		const definition = choice.kind === 'name' ? formatByName(choice.name) : createCustomFormat(choice.regex, choice.dateFormat || undefined);
		if (!definition) return {parser: null, error: `unknown format ${choice.kind === 'name' ? choice.name : ''}`, matches: 0, dataLines: data.length};
		const parser = definition.create(options, header);
		if (!parser) return {parser: null, error: 'this format needs a "#Fields:" line (or --w3c-fields)', matches: 0, dataLines: data.length};
		return {parser, matches: count(parser), dataLines: data.length};
	} catch (error) {
		return {parser: null, error: error instanceof Error ? error.message : String(error), matches: 0, dataLines: data.length};
	}
}

function changesOf(choice: Choice): GivenChanges {
	switch (choice.kind) {
		case 'auto':
			return {'log-format-name': undefined, 'log-format-regex': undefined, 'log-date-format': undefined};
		case 'name':
			return {'log-format-name': choice.name, 'log-format-regex': undefined, 'log-date-format': undefined};
		case 'regex':
			return {'log-format-name': undefined, 'log-format-regex': choice.regex, 'log-date-format': choice.dateFormat === '' ? undefined : choice.dateFormat};
	}
}

export function FormatStep({given, files, infos, env, auto, width, rows, onDone, onBack}: FormatStepProps) {
	const theme = useTheme();
	const [fileIndex, setFileIndex] = useState(0);
	const [samples, setSamples] = useState<Map<number, LogSample | string>>(new Map());
	const [choice, setChoice] = useState<Choice>(() => initialChoice(given));
	const [mode, setMode] = useState<'view' | 'list' | 'regex'>('view');
	const [draft, setDraft] = useState<{regex: string; dateFormat: string; field: 'regex' | 'date'}>(() =>
		choice.kind === 'regex' ? {regex: choice.regex, dateFormat: choice.dateFormat, field: 'regex'} : {regex: '', dateFormat: '', field: 'regex'});
	// The draft as of the last key: Enter may arrive in the same chunk as the text before it, before a render.
	const draftRef = useRef(draft);
	draftRef.current = draft;
	const editDraft = (change: Partial<typeof draft>) => {
		draftRef.current = {...draftRef.current, ...change};
		setDraft(draftRef.current);
	};

	const acceptDraft = () => {
		setChoice({kind: 'regex', regex: draftRef.current.regex, dateFormat: draftRef.current.dateFormat});
		setMode('view');
	};

	const [message, setMessage] = useState<string | undefined>();
	const options = useMemo(() => formatOptionsOf(given, files, env), [given, files, env]);
	const encoding = givenText(given, 'encoding');
	const hostMode = !given.has('idsite') && !given.has('log-hostname') && !given.has('replay-tracking');

	useEffect(() => {
		const info = infos[fileIndex];
		if (!info || samples.has(fileIndex)) return;
		let cancelled = false;
		void readSample(info.path, {encoding}).then(
			sample => {
				if (!cancelled) setSamples(previous => new Map(previous).set(fileIndex, sample));
			},
			(error: unknown) => {
				if (!cancelled) setSamples(previous => new Map(previous).set(fileIndex, error instanceof Error ? error.message : String(error)));
			},
		);
		return () => {
			cancelled = true;
		};
	}, [fileIndex, infos, encoding, samples]);

	const loaded = samples.get(fileIndex);
	const sample = typeof loaded === 'object' ? loaded : undefined;
	const firstSample = samples.get(0);
	// What the choice under edit shows: the regex being typed is previewed as it is typed.
	const shownChoice: Choice = mode === 'regex' ? {kind: 'regex', regex: draft.regex, dateFormat: draft.dateFormat} : choice;
	const reading = useMemo(() => (sample ? readWith(shownChoice, sample, options) : undefined), [sample, JSON.stringify(shownChoice), options]);
	const blocker = !reading
		? 'still reading the file'
		: !reading.parser
			? 'no format reads this file yet'
			: reading.matches === 0
				? 'no line of the sample matches this format'
				: hostMode && reading.parser.kind !== 'json' && !reading.parser.hasHost
					? 'this format has no host name, so hits cannot go to the site of their host: pick one site in step 1 (Esc twice), or a format with host names (f)'
					: undefined;

	// A format given as a flag that reads the first file: nothing to ask.
	useEffect(() => {
		if (auto && choice.kind !== 'auto' && fileIndex === 0 && reading && blocker === undefined) {
			onDone(changesOf(choice), sample);
		}
	}, [auto, reading === undefined]);

	const accept = () => {
		if (blocker !== undefined) {
			setMessage(`Cannot go on: ${blocker}.`);
			return;
		}

		onDone(changesOf(choice), typeof firstSample === 'object' ? firstSample : sample);
	};

	useKeys((input, key) => {
		setMessage(undefined);
		if (key.escape) return onBack();
		if (key.return) return accept();
		if (input === 'f' || input === 'l') return setMode('list');
		if (input === 'r') return setMode('regex');
		if (key.leftArrow && fileIndex > 0) return setFileIndex(fileIndex - 1);
		if (key.rightArrow && fileIndex < infos.length - 1) setFileIndex(fileIndex + 1);
	}, mode === 'view');

	useKeys((_input, key) => {
		if (key.escape) setMode('view');
	}, mode === 'list');

	useKeys((_input, key) => {
		if (key.escape) setMode('view');
		else if (key.tab) editDraft({field: draftRef.current.field === 'regex' ? 'date' : 'regex'});
	}, mode === 'regex');

	const info = infos[fileIndex];
	const header = sample ? headerLinesOf(sample.lines).length : 0;
	// The step's other lines: about 11 in view, 24 with the list open, 18 with the regex fields.
	const previewRows = Math.max(2, Math.min(maxPreviewRows, rows - (mode === 'list' ? 24 : mode === 'regex' ? 18 : 11)));
	const previewLines = sample ? sample.lines.slice(header, header + previewRows) : [];

	const listItems: Array<SelectItem<Choice>> = [
		{key: 'auto', label: 'Detect automatically (each file on its own)', value: {kind: 'auto'}},
		...formats.map(format => ({key: format.name, label: format.name, hint: format.description, value: {kind: 'name', name: format.name} as Choice})),
		{key: 'regex', label: 'Custom regular expression…', hint: '--log-format-regex', value: {kind: 'regex', regex: draft.regex, dateFormat: draft.dateFormat} as Choice},
	];

	return (
		<Box flexDirection="column">
			<Text>
				<Text bold>{info?.path ?? '(no file)'}</Text>
				{infos.length > 1 ? <Text dimColor>{`  file ${fileIndex + 1} of ${infos.length} (←/→)`}</Text> : null}
			</Text>
			{typeof loaded === 'string' ? <Text color={theme.error}>✗ cannot read it: {loaded}</Text> : null}
			{reading ? <Evidence choice={shownChoice} reading={reading} sampleLines={sample?.lines.length ?? 0} /> : <Text dimColor>Reading the first lines…</Text>}
			{sample ? (
				<Box marginTop={1} flexDirection="column">
					<FormatPreview parser={reading?.parser ?? null} lines={previewLines} firstLineNumber={header + 1} width={width} />
				</Box>
			) : null}
			{mode === 'list' ? (
				<Box flexDirection="column" marginTop={1}>
					<Text bold>Choose the format:</Text>
					<SelectList
						items={listItems}
						initialKey={choice.kind === 'name' ? choice.name : choice.kind}
						limit={Math.max(3, Math.min(8, rows - 20))}
						width={width}
						onSelect={item => {
							if (item.value.kind === 'regex') {
								setMode('regex');
								return;
							}

							setChoice(item.value);
							setMode('view');
						}}
					/>
					<Text dimColor>↑↓ choose · Enter confirm · Esc back</Text>
				</Box>
			) : null}
			{mode === 'regex' ? (
				<Box flexDirection="column" marginTop={1}>
					<Text>A regular expression with named groups (Python (?P&lt;name&gt;…) works): ip, date, path, status, length, host, user_agent, referrer…</Text>
					<TextField
						label={`${draft.field === 'regex' ? '❯' : ' '} Regex      `}
						value={draft.regex}
						isFocused={draft.field === 'regex'}
						width={Math.max(20, width - 16)}
						onChange={regex => {
							editDraft({regex});
						}}
						onSubmit={acceptDraft}
					/>
					<TextField
						label={`${draft.field === 'date' ? '❯' : ' '} Date format`}
						value={draft.dateFormat}
						placeholder="%d/%b/%Y:%H:%M:%S"
						isFocused={draft.field === 'date'}
						width={Math.max(20, width - 16)}
						onChange={dateFormat => {
							editDraft({dateFormat});
						}}
						onSubmit={acceptDraft}
					/>
					<Text dimColor>The preview follows as you type · Tab switch field · Enter use it · Esc cancel</Text>
				</Box>
			) : null}
			{message ? <Text color={theme.error}>{message}</Text> : null}
			{mode === 'view' ? (
				<Text dimColor>Enter use this format · f choose another · r custom regex{infos.length > 1 ? ' · ←/→ other files' : ''} · Esc back</Text>
			) : null}
		</Box>
	);
}

function Evidence({choice, reading, sampleLines}: {readonly choice: Choice; readonly reading: Reading; readonly sampleLines: number}) {
	const theme = useTheme();
	if (choice.kind === 'auto' && reading.detection === null) {
		return (
			<Box flexDirection="column">
				<Text color={theme.error}>✗ No known format matches the first {sampleLines} lines of this file.</Text>
				<Text>Press f to choose a format, or r to write a regular expression for it.</Text>
			</Box>
		);
	}

	if (!reading.parser) return <Text color={theme.error}>✗ {reading.error}</Text>;
	const name = choice.kind === 'regex' ? 'the custom regex' : reading.parser.name;
	const all = reading.matches === reading.dataLines;
	return (
		<Box flexDirection="column">
			<Text color={reading.matches === 0 ? theme.error : all ? theme.ok : theme.warn}>
				{choice.kind === 'auto' ? 'Detected: ' : 'Chosen: '}
				{reading.matches} of {reading.dataLines} sample lines match {name}
			</Text>
			{reading.detection ? <Text dimColor wrap="truncate-end">{reading.detection.reason}</Text> : null}
		</Box>
	);
}
