/**
 * Step 5, review: everything chosen, an estimate of the lines to read, and the equivalent headless command for cron
 * (secrets as environment variables), which `s` saves as a script and `c` copies. Enter starts the import.
 */
import {useEffect, useState, type ReactNode} from 'react';
import fs from 'node:fs';
import path from 'node:path';
import {Box, Text, useStdout} from 'ink';
import {equivalentCommand, redactUrl, wrapCommand} from '../options/equivalent-command.js';
import {runningProgram} from '../options/running-program.js';
import {scopedStatePath} from '../record/checkpoints.js';
import {useKeys} from './use-keys.js';
import {useTheme} from './theme.js';
import {estimateLines, type FileInfo} from './file-info.js';
import {averageLineBytes, type LogSample} from './log-sample.js';
import {formatBytes, formatCount} from './units.js';
import {trackOptions} from './track-step.js';
import {givenFlag, givenList, givenText, type GivenMap} from './given.js';
import type {MatomoConnectionInfo} from './matomo-step.js';
import {buildConfig} from '../options/config.js';
import {previewResume, type ResumeInfo} from '../record/resume-preview.js';

export const scriptName = 'matomo-log-import.cron.sh';

export interface ReviewStepProps {
	readonly given: GivenMap;
	readonly files: readonly string[];
	readonly infos: readonly FileInfo[];
	readonly sample: LogSample | undefined;
	readonly connection: MatomoConnectionInfo | undefined;
	readonly cwd: string;
	readonly width: number;
	readonly rows: number;
	/** Set while the import is being started, or when starting it failed. */
	readonly starting: boolean;
	readonly startError: string | undefined;
	readonly onStart: () => void;
	readonly onBack: () => void;
	/** Change answers without leaving the step (`r` toggles --reimport). */
	readonly onChange?: (changes: Record<string, boolean | undefined>) => void;
	/** How the cron line starts the program; default: this very program, by absolute paths. */
	readonly program?: readonly string[];
}

/** What earlier runs imported of these files: the run continues after it, unless --reimport. */
export function resumeText(inputs: readonly ResumeInfo[], reimport: boolean): string | undefined {
	const earlier = inputs.filter(input => input.status !== 'new');
	if (earlier.length === 0) return undefined;
	const when = (input: ResumeInfo) => (input.updatedAt ? input.updatedAt.slice(0, 16).replace('T', ' ') : '');
	const lines = earlier.slice(0, 4).map(input => {
		const name = path.basename(input.path);
		if (input.status === 'changed') return `${name}: changed since an import on ${when(input)}, imported again from the start`;
		if (reimport) return `${name}: imported before (${formatCount(input.lineNo)} lines, ${when(input)}), imported again (--reimport)`;
		return input.status === 'done'
			? `${name}: already imported (${formatCount(input.lineNo)} lines, ${when(input)}), skipped`
			: `${name}: imported up to line ${formatCount(input.lineNo)} (${when(input)}), continues from there`;
	});
	if (earlier.length > 4) lines.push(`… ${earlier.length - 4} more`);
	return lines.join('\n');
}

/** Files chosen more than once (named twice, a glob and a file it contains, a link): by what they are. */
export function duplicateFiles(infos: readonly FileInfo[]): string[][] {
	const byFile = new Map<string, string[]>();
	for (const info of infos) {
		let real = info.path;
		try {
			real = fs.realpathSync(info.path);
		} catch {}

		byFile.set(real, [...(byFile.get(real) ?? []), info.path]);
	}

	return [...byFile.values()].filter(paths => paths.length > 1);
}

/** What could make Matomo count hits twice, said before it happens. */
export function warningsText(infos: readonly FileInfo[], resume: readonly ResumeInfo[], reimport: boolean): string | undefined {
	const warnings: string[] = [];
	if (reimport) {
		const before = resume.filter(entry => entry.status === 'partial' || entry.status === 'done');
		const lines = before.reduce((sum, entry) => sum + entry.lineNo, 0);
		warnings.push(
			before.length > 0
				? `--reimport: the ${formatCount(lines)} ${lines === 1 ? 'line' : 'lines'} imported before are sent again, and Matomo counts them again (its reports will show those visits twice, unless you invalidate them in Matomo first)`
				: '--reimport: lines imported before are sent again, and Matomo counts them again',
		);
	}

	for (const paths of duplicateFiles(infos)) {
		warnings.push(
			`${path.basename(paths[0]!)} is chosen ${paths.length} times (${[...new Set(paths)].join(', ')}): it is imported once (Esc to remove the others)`,
		);
	}

	return warnings.length === 0 ? undefined : warnings.map(warning => `⚠ ${warning}`).join('\n');
}

/**
 * The cron command for these answers, with the token from the environment however it was given. It starts this very
 * program by absolute paths, and keeps to this run's state file when cron would look elsewhere (XDG_STATE_HOME is
 * not set in cron): the next run resumes where this one ends.
 */
export function commandFor(
	given: GivenMap,
	files: readonly string[],
	cwd: string,
	tokenSource: MatomoConnectionInfo['tokenSource'],
	program: readonly string[] = runningProgram(),
	env: NodeJS.ProcessEnv = process.env,
) {
	return equivalentCommand(given, files, {
		cwd,
		tokenFromEnv: tokenSource === 'env',
		program,
		stateFile: pinnedStateFile(given, files, env),
	});
}

/** This import's state file when cron (no XDG_STATE_HOME there) would look for it elsewhere. */
function pinnedStateFile(given: GivenMap, files: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
	if (!env.XDG_STATE_HOME || !path.isAbsolute(env.XDG_STATE_HOME)) return undefined;
	try {
		return scopedStatePath(buildConfig(given, files, env), env);
	} catch {
		return undefined;
	}
}

function Row({label, children}: {readonly label: string; readonly children: ReactNode}) {
	return (
		<Box>
			<Box width={11} flexShrink={0}>
				<Text bold>{label}</Text>
			</Box>
			<Box flexGrow={1}>
				<Text wrap="wrap">{children}</Text>
			</Box>
		</Box>
	);
}

function siteText(given: GivenMap, connection: MatomoConnectionInfo | undefined): string {
	const name = (id: string | undefined) => {
		const site = connection?.sites.sites.find(candidate => candidate.id === id);
		return site ? `site ${id} (${site.name}, ${site.url})` : `site ${id}`;
	};

	if (given.has('idsite')) return `every hit to ${name(givenText(given, 'idsite'))}`;
	const unknown = given.has('idsite-fallback')
		? `to ${name(givenText(given, 'idsite-fallback'))}`
		: givenFlag(given, 'add-sites-new-hosts')
			? 'to a new site each (created)'
			: 'skipped';
	return `by host name in the log; hosts without a site: ${unknown}`;
}

function formatText(given: GivenMap, infos: readonly FileInfo[]): string {
	const regex = givenText(given, 'log-format-regex');
	if (regex !== undefined) return `custom regex ${regex}${given.has('log-date-format') ? `, dates ${givenText(given, 'log-date-format')}` : ''}`;
	const name = givenText(given, 'log-format-name');
	if (name !== undefined) return name;
	return infos.length > 1 ? 'detected for each file' : 'detected';
}

function trackingText(given: GivenMap): string {
	const on = trackOptions
		.filter(option => option.type === 'boolean' && option.flag !== 'dry-run' && givenFlag(given, option.flag))
		.map(option => `--${option.flag}`);
	return on.length === 0 ? 'page views and downloads (no static files, bots, HTTP errors or redirects)' : `page views and downloads, plus ${on.join(' ')}`;
}

function filtersText(given: GivenMap): string | undefined {
	const parts = trackOptions
		.filter(option => option.type !== 'boolean' && option.flag !== 'recorders' && given.has(option.flag))
		.map(option => `--${option.flag} ${option.type === 'list' ? givenList(given, option.flag).join(', ') : givenText(given, option.flag)}`);
	return parts.length === 0 ? undefined : parts.join('; ');
}

export function ReviewStep({
	given,
	files,
	infos,
	sample,
	connection,
	cwd,
	width,
	rows,
	starting,
	startError,
	onStart,
	onBack,
	onChange,
	program,
}: ReviewStepProps) {
	const theme = useTheme();
	const [resume, setResume] = useState<ResumeInfo[]>([]);
	const reimport = givenFlag(given, 'reimport');
	useEffect(() => {
		let live = true;
		try {
			previewResume(buildConfig(given, files)).then(
				found => {
					if (live) setResume(found.inputs);
				},
				() => {},
			);
		} catch {}

		return () => {
			live = false;
		};
	}, [given, files]);
	const {stdout} = useStdout();
	const [note, setNote] = useState<string | undefined>();
	const command = commandFor(given, files, cwd, connection?.tokenSource, program);
	const average = averageLineBytes(sample);
	// Where the import resumes: what earlier runs imported is not read again (unless --reimport).
	const imported = new Map(
		reimport
			? []
			: resume.flatMap(entry => {
					if (entry.status === 'partial') return [[entry.path, entry.offset] as const];
					if (entry.status === 'done') return [[entry.path, Number.POSITIVE_INFINITY] as const];
					return [];
				}),
	);
	const estimate = estimateLines(infos, average, imported);
	const totalSize = infos.reduce((sum, info) => sum + info.size, 0);
	const dryRun = givenFlag(given, 'dry-run');

	useKeys((input, key) => {
		if (starting) return;
		if (key.escape) return onBack();
		if (key.return) return onStart();
		if (input === 'r' && onChange && resume.some(entry => entry.status === 'partial' || entry.status === 'done')) {
			onChange({reimport: reimport ? undefined : true});
			return;
		}

		if (input === 's') {
			const file = path.join(cwd, scriptName);
			try {
				fs.writeFileSync(file, command.script, {mode: 0o700});
				// An existing file keeps its old mode on write: set it (the script may run as is from cron).
				fs.chmodSync(file, 0o700);
				setNote(`Saved to ${file} (mode 700). In a crontab: ${command.env.map(name => `${name}=… `).join('')}${file}`);
			} catch (error) {
				setNote(`Could not save ${file}: ${error instanceof Error ? error.message : String(error)}`);
			}
		} else if (input === 'c') {
			// OSC 52: the terminal (and tmux with set-clipboard) puts it on the clipboard; invisible elsewhere.
			stdout.write(`\u001B]52;c;${Buffer.from(command.line).toString('base64')}\u0007`);
			setNote('Sent to the clipboard (terminals with OSC 52 support; otherwise select it above or save it with s).');
		}
	});

	return (
		<Box flexDirection="column" width={width}>
			<Row label="Matomo">{connection ? `${connection.version} at ${redactUrl(connection.url)}` : redactUrl(givenText(given, 'url') ?? '?')}</Row>
			<Row label="Sites">{siteText(given, connection)}</Row>
			<Row label="Files">
				{infos.length} {infos.length === 1 ? 'file' : 'files'}, {formatBytes(totalSize)}: {files.slice(0, 3).join(', ')}
				{files.length > 3 ? `, … ${files.length - 3} more` : ''}
			</Row>
			<Row label="Format">{formatText(given, infos)}</Row>
			<Row label="Tracking">{trackingText(given)}</Row>
			{filtersText(given) ? <Row label="Filters">{filtersText(given)}</Row> : null}
			<Row label="Recorders">{givenText(given, 'recorders') ?? '1'}</Row>
			{resumeText(resume, reimport) ? <Row label="Earlier">{resumeText(resume, reimport)}</Row> : null}
			{warningsText(infos, resume, reimport) ? (
				<Text color={theme.warn} wrap="wrap">
					{warningsText(infos, resume, reimport)}
				</Text>
			) : null}
			{dryRun ? <Row label="Dry run">yes: lines are read and counted, nothing is sent to Matomo</Row> : null}
			<Row label="Estimate">
				{estimate
					? `about ${formatCount(estimate.lines)} ${Math.round(estimate.lines) === 1 ? 'line' : 'lines'} to read (${average!.toFixed(0)} bytes a line in the first lines)${estimate.unknownFiles > 0 ? `, plus ${estimate.unknownFiles} bzip2 files of unknown length` : ''}`
					: 'unknown (no sample of the files)'}
			</Row>
			<Box flexDirection="column" marginTop={rows < 30 ? 0 : 1}>
				<Text bold>The same import without questions, for cron{command.env.length > 0 ? ` (${command.env.join(', ')} from the environment)` : ''}:</Text>
				{/* Broken only between words, with ` \`: copied from the screen, it is still the command. */}
				{wrapCommand(command.words, width).map((line, index) => (
					// eslint-disable-next-line react/no-array-index-key
					<Text key={index} color={theme.accent} wrap="wrap">
						{line}
					</Text>
				))}
			</Box>
			{note ? (
				<Text color={theme.ok} wrap="wrap">
					{note}
				</Text>
			) : null}
			{startError ? (
				<Text color={theme.error} wrap="wrap">
					✗ {startError}
				</Text>
			) : null}
			<Box marginTop={rows < 30 ? 0 : 1}>
				{starting ? (
					<Text>Starting…</Text>
				) : (
					<Text dimColor>
						Enter start the import
						{resume.some(entry => entry.status === 'partial' || entry.status === 'done')
							? ` · r ${reimport ? 'resume instead' : 'import again from the start'}`
							: ''}{' '}
						· s save as {scriptName} · c copy · Esc back
					</Text>
				)}
			</Box>
		</Box>
	);
}
