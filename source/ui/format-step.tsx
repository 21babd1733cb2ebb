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
import type {FormatOptions, LineParser} from '../parse/format.js';
import {FormatPreview} from './format-preview.js';
import {SelectList, type SelectItem} from './select-list.js';
import {TextField} from './text-field.js';
import {useKeys} from './use-keys.js';
import {useTheme} from './theme.js';
import {printable} from './units.js';
import {readSample, type LogSample} from './log-sample.js';
import {givenText, type GivenChanges, type GivenMap} from './given.js';
import type {FileInfo} from './file-info.js';
import {sampleJudge, type LineVerdict} from './sample-verdicts.js';
import type {ImportConfig} from '../options/config.js';

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
	/** `changes`: the choice made here, kept for when the step is entered again. */
	readonly onBack: (changes?: GivenChanges) => void;
}

type Choice = {kind: 'auto'} | {kind: 'name'; name: string} | {kind: 'regex'; regex: string; dateFormat: string};

interface Reading {
	parser: LineParser | null;
	/** Why there is no parser. */
	error?: string;
	/** "detected: …" for the automatic choice. */
	detection?: DetectionResult | null;
	/** Sample lines the import would read (hits, and lines a filter leaves out): not counted invalid. */
	matches: number;
	dataLines: number;
	/** What the import makes of each data line of the sample. */
	verdicts: LineVerdict[];
}

/** A sample line the import would count invalid. */
interface FailingLine {
	readonly lineNo: number;
	readonly reason: string;
	readonly text: string;
}

const maxPreviewRows = 8;
/** The files whose samples Enter checks the choice on (a glob of hundreds: the first ones). */
const maxCheckedFiles = 20;

function initialChoice(given: GivenMap): Choice {
	const regex = givenText(given, 'log-format-regex');
	if (regex !== undefined) return {kind: 'regex', regex, dateFormat: givenText(given, 'log-date-format') ?? ''};
	const name = givenText(given, 'log-format-name');
	return name === undefined ? {kind: 'auto'} : {kind: 'name', name};
}

/** The configuration the import would run with (flags not valid yet: the defaults, which the review refuses later). */
function configOf(given: GivenMap, files: readonly string[], env: NodeJS.ProcessEnv): ImportConfig {
	try {
		return buildConfig(given, files, env);
	} catch {
		return buildConfig(new Map(), files, {});
	}
}

/**
 * How the chosen format reads the sample: each data line through the import's own per-line stage, so a line whose
 * date does not parse counts as the import counts it (invalid), not as a match.
 */
export function readWith(choice: Choice, sample: LogSample, config: ImportConfig): Reading {
	const options: FormatOptions = config.formatOptions;
	const header = headerLinesOf(sample.lines);
	const data = sample.lines.slice(header.length);
	const none = {matches: 0, dataLines: data.length, verdicts: []};
	const judged = (parser: LineParser, detection?: DetectionResult) => {
		const judge = sampleJudge(parser, config);
		const verdicts = data.map((line, index) => judge(line, header.length + index + 1));
		const matches = verdicts.filter(verdict => verdict.kind !== 'invalid').length;
		return {parser, detection, matches, dataLines: data.length, verdicts};
	};

	if (choice.kind === 'auto') {
		const detection = detectFormat(sample.lines, formats, options);
		if (!detection) return {parser: null, detection: null, ...none};
		return judged(detection.parser, detection);
	}

	if (choice.kind === 'regex' && choice.regex.trim() === '') return {parser: null, error: 'type a regular expression', ...none};
	try {
		const definition = choice.kind === 'name' ? formatByName(choice.name) : createCustomFormat(choice.regex, choice.dateFormat || undefined);
		if (!definition) return {parser: null, error: `unknown format ${choice.kind === 'name' ? choice.name : ''}`, ...none};
		const parser = definition.create(options, header);
		if (!parser) return {parser: null, error: 'this format needs a "#Fields:" line (or --w3c-fields)', ...none};
		return judged(parser);
	} catch (error) {
		return {parser: null, error: error instanceof Error ? error.message : String(error), ...none};
	}
}

function failingLines(reading: Reading, sample: LogSample): FailingLine[] {
	const header = sample.lines.length - reading.dataLines;
	const failing: FailingLine[] = [];
	reading.verdicts.forEach((verdict, index) => {
		if (verdict.kind === 'invalid') failing.push({lineNo: header + index + 1, reason: verdict.reason, text: sample.lines[header + index] ?? ''});
	});
	return failing;
}

function changesOf(choice: Choice): GivenChanges {
	switch (choice.kind) {
		case 'auto':
			return {'log-format-name': undefined, 'log-format-regex': undefined, 'log-date-format': undefined};
		case 'name':
			return {'log-format-name': choice.name, 'log-format-regex': undefined, 'log-date-format': undefined};
		case 'regex':
			return {
				'log-format-name': undefined,
				'log-format-regex': choice.regex,
				'log-date-format': choice.dateFormat === '' ? undefined : choice.dateFormat,
			};
	}
}

export function FormatStep({given, files, infos, env, auto, width, rows, onDone, onBack}: FormatStepProps) {
	const theme = useTheme();
	const [fileIndex, setFileIndex] = useState(0);
	const [samples, setSamples] = useState<Map<number, LogSample | string>>(new Map());
	const [choice, setChoice] = useState<Choice>(() => initialChoice(given));
	const [mode, setMode] = useState<'view' | 'list' | 'regex'>('view');
	const [draft, setDraft] = useState<{regex: string; dateFormat: string; field: 'regex' | 'date'}>(() =>
		choice.kind === 'regex' ? {regex: choice.regex, dateFormat: choice.dateFormat, field: 'regex'} : {regex: '', dateFormat: '', field: 'regex'},
	);
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
	// The format highlighted in the list (previewed before it is chosen), and what is typed to filter the list.
	const [highlighted, setHighlighted] = useState<Choice | undefined>();
	const [filter, setFilter] = useState('');
	// Enter pressed on a format that reads none of the sample lines: the next Enter goes on anyway.
	const [confirmNone, setConfirmNone] = useState<{key: string; files: string[]} | undefined>();
	const config = useMemo(() => configOf(given, files, env), [given, files, env]);
	const encoding = givenText(given, 'encoding');
	const hostMode = !given.has('idsite') && !given.has('log-hostname') && !given.has('replay-tracking');

	// The file shown first, then the others (up to a few): Enter checks the choice on each of them.
	useEffect(() => {
		const next = samples.has(fileIndex) ? infos.slice(0, maxCheckedFiles).findIndex((_info, index) => !samples.has(index)) : fileIndex;
		const info = infos[next];
		if (!info) return;
		let cancelled = false;
		void readSample(info.path, {encoding}).then(
			sample => {
				if (!cancelled) setSamples(previous => new Map(previous).set(next, sample));
			},
			(error: unknown) => {
				if (!cancelled) setSamples(previous => new Map(previous).set(next, error instanceof Error ? error.message : String(error)));
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
	const shownChoice: Choice =
		mode === 'regex'
			? {kind: 'regex', regex: draft.regex, dateFormat: draft.dateFormat}
			: mode === 'list' && highlighted && highlighted.kind !== 'regex'
				? highlighted
				: choice;
	const reading = useMemo(() => (sample ? readWith(shownChoice, sample, config) : undefined), [sample, JSON.stringify(shownChoice), config]);
	const blocker = !reading
		? 'still reading the file'
		: !reading.parser
			? 'no format reads this file yet'
			: hostMode && reading.parser.kind !== 'json' && !reading.parser.hasHost
				? 'this format has no host name, so hits cannot go to the site of their host: pick one site in step 1 (Esc twice), or a format with host names (f)'
				: undefined;
	const failing = reading && sample ? failingLines(reading, sample) : [];

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

		if (samples.size < Math.min(infos.length, maxCheckedFiles)) {
			setMessage('Still reading the first lines of the other files: Enter again in a moment.');
			return;
		}

		// A format under which the import would count every line of a file invalid: asked, not taken silently.
		const unread = [...samples.entries()]
			.filter(([, read]) => typeof read === 'object' && read.lines.length > 0 && readWith(choice, read, config).matches === 0)
			.sort(([a], [b]) => a - b)
			.map(([index]) => infos[index]?.path ?? '');
		const key = JSON.stringify(choice);
		if (unread.length > 0 && confirmNone?.key !== key) {
			setConfirmNone({key, files: unread});
			return;
		}

		onDone(changesOf(choice), typeof firstSample === 'object' ? firstSample : sample);
	};

	const openList = () => {
		setFilter('');
		setHighlighted(undefined);
		setMode('list');
	};

	useKeys((input, key) => {
		setMessage(undefined);
		const asked = confirmNone;
		if (!key.return) setConfirmNone(undefined);
		if (key.escape) return asked ? undefined : onBack(changesOf(choice));
		if (key.return) return accept();
		if (input === 'f' || input === 'l') return openList();
		if (input === 'r') return setMode('regex');
		if (key.leftArrow && fileIndex > 0) return setFileIndex(fileIndex - 1);
		if (key.rightArrow && fileIndex < infos.length - 1) setFileIndex(fileIndex + 1);
	}, mode === 'view');

	// The list: typed letters filter it (the arrows, Home/End and Enter are the list's own).
	useKeys((input, key) => {
		if (key.escape) {
			if (filter !== '') setFilter('');
			else setMode('view');
			return;
		}

		if (key.backspace || key.delete) return setFilter(filter.slice(0, -1));
		if (!key.ctrl && !key.meta && input.length > 0 && !/[\u0000-\u001F\u007F]/.test(input) && !key.return) setFilter(filter + input);
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

	const allItems: Array<SelectItem<Choice>> = [
		{key: 'auto', label: 'Detect automatically (each file on its own)', value: {kind: 'auto'}},
		...formats.map(format => ({
			key: format.name,
			label: format.name,
			hint: format.description,
			value: {kind: 'name', name: format.name} as Choice,
		})),
		{
			key: 'regex',
			label: 'Custom regular expression…',
			hint: '--log-format-regex',
			value: {kind: 'regex', regex: draft.regex, dateFormat: draft.dateFormat} as Choice,
		},
	];
	const needle = filter.toLowerCase();
	const listItems = needle === '' ? allItems : allItems.filter(item => `${item.label} ${item.hint ?? ''}`.toLowerCase().includes(needle));

	return (
		<Box flexDirection="column">
			<Text>
				<Text bold>{info?.path ?? '(no file)'}</Text>
				{infos.length > 1 ? <Text dimColor>{`  file ${fileIndex + 1} of ${infos.length} (←/→)`}</Text> : null}
			</Text>
			{typeof loaded === 'string' ? <Text color={theme.error}>✗ cannot read it: {loaded}</Text> : null}
			{reading ? (
				<Evidence choice={shownChoice} reading={reading} sampleLines={sample?.lines.length ?? 0} previewing={mode === 'list' && shownChoice !== choice} />
			) : (
				<Text dimColor>Reading the first lines…</Text>
			)}
			{reading?.parser ? <FailingLines failing={failing} width={width} /> : null}
			{sample ? (
				<Box marginTop={1} flexDirection="column">
					<FormatPreview
						parser={reading?.parser ?? null}
						lines={previewLines}
						verdicts={reading?.verdicts.slice(0, previewLines.length) ?? []}
						firstLineNumber={header + 1}
						width={width}
					/>
				</Box>
			) : null}
			{mode === 'list' ? (
				<Box flexDirection="column" marginTop={1}>
					<Text bold>
						Choose the format:{' '}
						{filter === '' ? <Text dimColor>(type to filter)</Text> : <Text>{`filter "${filter}" · ${listItems.length} of ${allItems.length}`}</Text>}
					</Text>
					{listItems.length === 0 ? <Text dimColor> no format's name or description has "{filter}"</Text> : null}
					<SelectList
						key={filter}
						items={listItems}
						initialKey={filter === '' ? (choice.kind === 'name' ? choice.name : choice.kind) : undefined}
						limit={Math.max(3, Math.min(8, rows - 20))}
						width={width}
						onHighlight={item => {
							setHighlighted(item.value);
						}}
						onSelect={item => {
							if (item.value.kind === 'regex') {
								setMode('regex');
								return;
							}

							setChoice(item.value);
							setMode('view');
						}}
					/>
					<Text dimColor>↑↓ choose (the preview follows) · type to filter · Enter confirm · Esc {filter === '' ? 'back' : 'clear the filter'}</Text>
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
			{infos.length > 1 && samples.size < Math.min(infos.length, maxCheckedFiles) ? (
				<Text dimColor>{`Reading the other files' first lines (${samples.size} of ${Math.min(infos.length, maxCheckedFiles)})…`}</Text>
			) : null}
			{confirmNone && mode === 'view' ? (
				<Text color={theme.warn}>
					{confirmNone.files.length === 1 && confirmNone.files[0] === info?.path
						? 'The import would count every line of this sample invalid with this format (nothing imported from this file).'
						: `With this format the import would count every sample line invalid in ${confirmNone.files.join(', ')} (nothing imported from ${confirmNone.files.length === 1 ? 'it' : 'them'}).`}{' '}
					Enter: use it anyway · f: choose another · any other key: cancel
				</Text>
			) : null}
			{mode === 'view' ? (
				<Text dimColor>Enter use this format · f choose another · r custom regex{infos.length > 1 ? ' · ←/→ other files' : ''} · Esc back</Text>
			) : null}
		</Box>
	);
}

/** The sample lines the import would count invalid, each with its reason: "60 of 61 match" says which one. */
function FailingLines({failing, width}: {readonly failing: readonly FailingLine[]; readonly width: number}) {
	const theme = useTheme();
	if (failing.length === 0) return null;
	const shown = failing.slice(0, 3);
	return (
		<Box flexDirection="column">
			{shown.map(line => (
				<Box key={line.lineNo} width={width}>
					<Text color={theme.error} wrap="truncate-end">{`  ✗ line ${line.lineNo}: ${line.reason} · ${printable(line.text) || '(empty line)'}`}</Text>
				</Box>
			))}
			{failing.length > shown.length ? (
				<Text
					dimColor
				>{`  … and ${failing.length - shown.length} more ${failing.length - shown.length === 1 ? 'line' : 'lines'} the import would count invalid`}</Text>
			) : null}
		</Box>
	);
}

function Evidence({
	choice,
	reading,
	sampleLines,
	previewing,
}: {
	readonly choice: Choice;
	readonly reading: Reading;
	readonly sampleLines: number;
	readonly previewing: boolean;
}) {
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
				{previewing ? 'Highlighted: ' : choice.kind === 'auto' ? 'Detected: ' : 'Chosen: '}
				{reading.matches} of {reading.dataLines} sample lines match {name}
			</Text>
			{reading.detection ? (
				<Text dimColor wrap="truncate-end">
					{reading.detection.reason}
				</Text>
			) : null}
		</Box>
	);
}
