/**
 * The wizard: Matomo → files → format → what to track → review. Every answer edits the `given` map (the flags),
 * so flags given on the command line pre-fill it, and a step whose answers are all given passes by itself.
 * Esc goes back one step (a step passed by itself is then shown); Ctrl+C leaves (the app handles it).
 */
import {useState, type ReactNode} from 'react';
import {Box, Text} from 'ink';
import {optionTable} from '../options/table.js';
import {MatomoStep, type MatomoConnectionInfo} from './matomo-step.js';
import {FilesStep} from './files-step.js';
import {FormatStep} from './format-step.js';
import {TrackStep, chosenFormatName} from './track-step.js';
import {ReviewStep} from './review-step.js';
import {useTheme} from './theme.js';
import {HelpScreen, useHelpKey} from './help-screen.js';
import {applyChanges, type GivenChanges, type GivenMap} from './given.js';
import type {FileInfo} from './file-info.js';
import type {LogSample} from './log-sample.js';

export const steps = ['matomo', 'files', 'format', 'track', 'review'] as const;
export type StepName = (typeof steps)[number];

const titles: Record<StepName, string> = {
	matomo: 'Matomo',
	files: 'Log files',
	format: 'Format',
	track: 'What to track',
	review: 'Review',
};

export interface WizardResult {
	readonly given: GivenMap;
	readonly files: string[];
	readonly infos: FileInfo[];
	readonly sample: LogSample | undefined;
	readonly connection: MatomoConnectionInfo | undefined;
}

export interface WizardProps {
	readonly given: GivenMap;
	readonly files: readonly string[];
	readonly env: NodeJS.ProcessEnv;
	readonly cwd: string;
	readonly width: number;
	readonly rows: number;
	readonly starting: boolean;
	readonly startError: string | undefined;
	readonly onStart: (result: WizardResult) => void;
	/** The Matomo connection of the wizard changed (the app closes the old one). */
	readonly onConnection?: (connection: MatomoConnectionInfo | undefined) => void;
}

const trackFlags = optionTable.filter(option => option.wizard === 'track').map(option => option.flag);

/** Which steps may pass by themselves on the first visit: their answers came as flags. */
function initialAuto(given: GivenMap, files: readonly string[]): Record<StepName, boolean> {
	return {
		matomo: true,
		files: files.length > 0,
		format: given.has('log-format-name') || given.has('log-format-regex'),
		track: trackFlags.some(flag => given.has(flag)),
		review: false,
	};
}

export function Wizard({given: initialGiven, files: initialFiles, env, cwd, width, rows, starting, startError, onStart, onConnection}: WizardProps) {
	const theme = useTheme();
	const [index, setIndex] = useState(0);
	const [auto, setAuto] = useState(() => initialAuto(initialGiven, initialFiles));
	const [given, setGiven] = useState<GivenMap>(initialGiven);
	const [files, setFiles] = useState<string[]>([...initialFiles]);
	const [infos, setInfos] = useState<FileInfo[]>([]);
	const [sample, setSample] = useState<LogSample | undefined>();
	const [connection, setConnection] = useState<MatomoConnectionInfo | undefined>();
	// Remounts a step when it is entered again, so it starts from the current answers.
	const [visit, setVisit] = useState(0);
	const step = steps[index]!;
	const [help, setHelp] = useState(false);
	// `?` types into the fields of the other steps (URLs, paths, regexes): there only F1.
	useHelpKey(() => {
		setHelp(shown => !shown);
	}, step === 'review');

	const next = (changes: GivenChanges = {}) => {
		setGiven(previous => applyChanges(previous, changes));
		setIndex(previous => Math.min(steps.length - 1, previous + 1));
		setVisit(previous => previous + 1);
	};

	/** `changes`: what the step left had answered so far, kept for when it is entered again. */
	const back = (changes?: GivenChanges) => {
		if (index === 0) return;
		if (changes) setGiven(previous => applyChanges(previous, changes));
		const previousStep = steps[index - 1]!;
		setAuto(previous => ({...previous, [previousStep]: false}));
		setIndex(index - 1);
		setVisit(previous => previous + 1);
	};

	let body: ReactNode;
	switch (step) {
		case 'matomo':
			body = (
				<MatomoStep
					key={visit}
					given={given}
					files={files}
					env={env}
					auto={auto.matomo}
					width={width}
					onDone={(changes, info) => {
						setConnection(info);
						onConnection?.(info);
						next(changes);
					}}
				/>
			);
			break;
		case 'files':
			body = (
				<FilesStep
					key={visit}
					files={files}
					cwd={cwd}
					auto={auto.files}
					width={width}
					rows={rows}
					onBack={back}
					onDone={(chosen, described) => {
						setFiles(chosen);
						setInfos(described);
						setSample(undefined);
						next();
					}}
				/>
			);
			break;
		case 'format':
			body = (
				<FormatStep
					key={visit}
					given={given}
					files={files}
					infos={infos}
					env={env}
					auto={auto.format}
					width={width}
					rows={rows}
					onBack={back}
					onDone={(changes, read) => {
						setSample(read);
						next(changes);
					}}
				/>
			);
			break;
		case 'track':
			body = (
				<TrackStep
					key={visit}
					given={given}
					format={chosenFormatName(given, sample)}
					files={files}
					env={env}
					matomoUrl={connection?.url}
					auto={auto.track}
					width={width}
					rows={rows}
					onBack={back}
					onDone={changes => {
						next(changes);
					}}
				/>
			);
			break;
		case 'review':
			body = (
				<ReviewStep
					key={visit}
					given={given}
					files={files}
					infos={infos}
					sample={sample}
					connection={connection}
					cwd={cwd}
					width={width}
					rows={rows}
					starting={starting}
					startError={startError}
					onBack={back}
					onChange={changes => {
						setGiven(previous => applyChanges(previous, changes));
					}}
					onStart={() => {
						onStart({given, files, infos, sample, connection});
					}}
				/>
			);
			break;
	}

	return (
		<Box flexDirection="column" width={width}>
			<Text wrap="truncate-end">
				<Text bold>matomo-log-import</Text>
				{'  '}
				{steps.map((name, position) => (
					<Text key={name} color={position === index ? theme.accent : undefined} bold={position === index} dimColor={position > index}>
						{position < index ? '✔ ' : position === index ? '▸ ' : '· '}
						{titles[name]}
						{position < steps.length - 1 ? '  ' : ''}
					</Text>
				))}
			</Text>
			<Box marginBottom={rows < 30 ? 0 : 1}>
				<Text bold color={theme.accent}>
					Step {index + 1} of {steps.length}: {titles[step]}
				</Text>
			</Box>
			{body}
			{help ? <HelpScreen context={step} width={width} /> : <Text dimColor>F1 all the keys</Text>}
		</Box>
	);
}
