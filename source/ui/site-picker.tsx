/**
 * Which Matomo site the hits go to: one site from the list the token can write to, or "by host name in the log",
 * with what to do about hosts that match no site (skip them, send them to one site, create sites).
 */
import {useState} from 'react';
import {Box, Text} from 'ink';
import {SelectList, type SelectItem} from './select-list.js';
import {useKeys} from './use-keys.js';
import {useTheme} from './theme.js';
import type {SiteList} from './matomo-check.js';
import {givenFlag, givenText, type GivenChanges, type GivenMap} from './given.js';

export interface SitePickerProps {
	readonly list: SiteList;
	readonly given: GivenMap;
	readonly width: number;
	readonly onDone: (changes: GivenChanges) => void;
	readonly onBack: () => void;
	/** Ask Matomo again (after creating a site there). */
	readonly onRefresh: () => void;
}

type Phase = 'site' | 'unknown-hosts' | 'fallback-site';

const siteModeChanges = {idsite: undefined, 'idsite-fallback': undefined, 'add-sites-new-hosts': undefined};

export function SitePicker({list, given, width, onDone, onBack, onRefresh}: SitePickerProps) {
	const theme = useTheme();
	const [phase, setPhase] = useState<Phase>('site');
	useKeys((_input, key) => {
		if (!key.escape) return;
		if (phase === 'site') onBack();
		else setPhase(phase === 'fallback-site' ? 'unknown-hosts' : 'site');
	});

	const siteItems: Array<SelectItem<string>> = list.sites.map(site => ({
		key: `site-${site.id}`,
		label: `${site.id.padStart(3)}  ${site.name}`,
		hint: site.url,
		value: site.id,
	}));

	if (phase === 'unknown-hosts') {
		const items: Array<SelectItem<string>> = [
			{key: 'skip', label: 'Skip them', hint: 'counted as "did not match any known site"', value: 'skip'},
			...(list.sites.length > 0 ? [{key: 'fallback', label: 'Send them to one site…', hint: '--idsite-fallback', value: 'fallback'}] : []),
			{key: 'create', label: 'Create a site for each new host', hint: '--add-sites-new-hosts (needs a Super User token)', value: 'create'},
		];
		const initialKey = givenFlag(given, 'add-sites-new-hosts') ? 'create' : given.has('idsite-fallback') ? 'fallback' : 'skip';
		return (
			<Box flexDirection="column">
				<Text bold>Hits whose host name matches no site in Matomo:</Text>
				<SelectList
					items={items}
					initialKey={initialKey}
					width={width}
					onSelect={item => {
						if (item.value === 'fallback') setPhase('fallback-site');
						else onDone({...siteModeChanges, 'add-sites-new-hosts': item.value === 'create' ? true : undefined});
					}}
				/>
				<Text dimColor>↑↓ choose · Enter confirm · Esc back</Text>
			</Box>
		);
	}

	if (phase === 'fallback-site') {
		return (
			<Box flexDirection="column">
				<Text bold>Send hits of unknown hosts to:</Text>
				<SelectList
					items={siteItems}
					initialKey={`site-${givenText(given, 'idsite-fallback') ?? ''}`}
					width={width}
					onSelect={item => {
						onDone({...siteModeChanges, 'idsite-fallback': item.value});
					}}
				/>
				<Text dimColor>↑↓ choose · Enter confirm · Esc back</Text>
			</Box>
		);
	}

	const byHost: SelectItem<string> = {
		key: 'by-host',
		label: 'By host name in the log…',
		hint: 'each hit goes to the site of its host',
		value: 'by-host',
	};
	const items: Array<SelectItem<string>> =
		list.access === 'none'
			? [
					{
						key: 'create',
						label: 'Create a site for each host name in the log',
						hint: '--add-sites-new-hosts (needs a Super User token)',
						value: 'create',
					},
					{key: 'refresh', label: 'Check again', hint: 'after adding a site in Matomo', value: 'refresh'},
				]
			: [...siteItems, byHost];
	const initialKey = given.has('idsite')
		? `site-${givenText(given, 'idsite')}`
		: given.has('idsite-fallback') || givenFlag(given, 'add-sites-new-hosts')
			? 'by-host'
			: undefined;
	return (
		<Box flexDirection="column">
			{list.access === 'none' ? (
				<Box flexDirection="column" marginBottom={1}>
					<Text color={theme.warn}>This Matomo has no site this token can see.</Text>
					<Text>Add one in Matomo (Administration › Websites › Manage › Add a new website), then choose "Check again";</Text>
					<Text>or let the import create a site for each host name it finds. Esc changes the token.</Text>
				</Box>
			) : list.access === 'view' ? (
				<Box flexDirection="column" marginBottom={1}>
					<Text color={theme.warn}>This token can only view these sites: Matomo will refuse to record hits with it.</Text>
					<Text>Fix: use the token of a user with write access (Administration › Personal › Security › Auth tokens); Esc changes it.</Text>
				</Box>
			) : null}
			<Text bold>Send the hits to:</Text>
			<SelectList
				items={items}
				initialKey={initialKey}
				width={width}
				onSelect={item => {
					if (item.value === 'refresh') onRefresh();
					else if (item.value === 'create') onDone({...siteModeChanges, 'add-sites-new-hosts': true});
					else if (item.value === 'by-host') setPhase('unknown-hosts');
					else onDone({...siteModeChanges, idsite: item.value});
				}}
			/>
			<Text dimColor>↑↓ choose · Enter confirm · Esc back</Text>
		</Box>
	);
}
