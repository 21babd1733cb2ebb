/**
 * The one table of options. It feeds the meow flags, `--help`, the wizard's controls and the "equivalent headless
 * command" shown at the end of the wizard. Names and meanings are import_logs.py's, so a cron line moves over by
 * swapping the program; the options the reference lacks are marked `ours`.
 */

export type OptionType =
	| 'string'
	| 'boolean'
	| 'number'
	/** repeatable string: `--exclude-path a --exclude-path b` */
	| 'list'
	/** repeatable KEY=VAL pairs (the reference's StoreDictKeyPair): `--w3c-map-field date-local=date` */
	| 'dict'
	/** `-d -d` / `-dd` */
	| 'count';

export type OptionGroup =
	| 'Matomo'
	| 'Sites'
	| 'Input and format'
	| 'What to import'
	| 'Tracked data'
	| 'Performance'
	| 'Resume and delivery'
	| 'Output'
	| 'Replay'
	| 'Custom variables'
	| 'Debugging'
	| 'Kept for compatibility';

/** The wizard step that shows the option (none: set by flag only). */
export type WizardStep = 'matomo' | 'files' | 'format' | 'track' | 'review';

export interface OptionSpec {
	/** Long flag without dashes, as import_logs.py spells it. */
	readonly flag: string;
	readonly type: OptionType;
	readonly group: OptionGroup;
	readonly help: string;
	/** Placeholder for the value in --help (`URL`, `ID`, `N`). */
	readonly value?: string;
	readonly default?: string | number | boolean;
	readonly short?: string;
	readonly wizard?: WizardStep;
	/** Never printed: in the equivalent command it is replaced by an environment variable. */
	readonly secret?: boolean;
	/** Not in import_logs.py. */
	readonly ours?: boolean;
	/** Accepted so that an older command line keeps working, but without effect (left out of the equivalent command). */
	readonly ignored?: boolean;
	/** Leave out of --help (still accepted). */
	readonly hidden?: boolean;
}

// biome-ignore format: one option a row, read as a table
export const optionTable: readonly OptionSpec[] = [
	// Matomo
	{flag: 'url', type: 'string', group: 'Matomo', value: 'URL', wizard: 'matomo', help: 'Matomo base URL, e.g. https://analytics.example.com/ (http:// is added when no scheme is given)'},
	{flag: 'api-url', type: 'string', group: 'Matomo', value: 'URL', help: 'Matomo URL for Reporting-API calls, when it differs from --url'},
	{flag: 'token-auth', type: 'string', group: 'Matomo', value: 'TOKEN', wizard: 'matomo', secret: true, help: 'Matomo token_auth with write access (better: the MATOMO_TOKEN_AUTH environment variable or --token-auth-file, so it does not show in ps)'},
	{flag: 'token-auth-file', type: 'string', group: 'Matomo', value: 'FILE', ours: true, help: 'Read the token from the first line of FILE'},
	{flag: 'login', type: 'string', group: 'Matomo', value: 'LOGIN', help: 'Matomo login, to create a token for this import (with --password)'},
	{flag: 'password', type: 'string', group: 'Matomo', value: 'PASSWORD', secret: true, help: 'Matomo password, with --login (better: the MATOMO_PASSWORD environment variable, so it does not show in ps)'},
	{flag: 'config', type: 'string', group: 'Matomo', value: 'FILE', help: 'On the Matomo server, without a token: the path of Matomo\'s config/config.ini.php; a temporary super-user token is then obtained by running Matomo\'s misc/cron/updatetoken.php with PHP (never printed or saved)'},
	{flag: 'php-binary', type: 'string', group: 'Matomo', value: 'PATH', default: 'php', help: 'The PHP binary that runs updatetoken.php (with --config)'},
	{flag: 'tracker-endpoint-path', type: 'string', group: 'Matomo', value: 'PATH', default: '/matomo.php', help: 'Path of the tracker under --url'},
	{flag: 'auth-user', type: 'string', group: 'Matomo', value: 'USER', help: 'HTTP Basic auth user in front of Matomo'},
	{flag: 'auth-password', type: 'string', group: 'Matomo', value: 'PASSWORD', secret: true, help: 'HTTP Basic auth password (better: the MATOMO_AUTH_PASSWORD environment variable, so it does not show in ps)'},
	{flag: 'accept-invalid-ssl-certificate', type: 'boolean', group: 'Matomo', help: 'Do not verify Matomo\'s TLS certificate (self-signed test servers only)'},
	{flag: 'request-suffix', type: 'string', group: 'Matomo', value: 'TEXT', help: 'Raw text added to the query string of every request to Matomo'},

	// Sites
	{flag: 'idsite', type: 'string', group: 'Sites', value: 'ID', wizard: 'matomo', help: 'Send every hit to this site; without it, each hit goes to the site of its host name'},
	{flag: 'idsite-fallback', type: 'string', group: 'Sites', value: 'ID', wizard: 'matomo', help: 'Site for hits whose host matches no site (wins over --add-sites-new-hosts, as in import_logs.py)'},
	{flag: 'add-sites-new-hosts', type: 'boolean', group: 'Sites', wizard: 'matomo', help: 'Create a Matomo site for each host name that matches none'},
	{flag: 'log-hostname', type: 'string', group: 'Sites', value: 'HOST', help: 'Use this host name for every line, whatever the log says'},

	// Input and format
	{flag: 'log-format-name', type: 'string', group: 'Input and format', value: 'NAME', wizard: 'format', help: 'Log format (default: detected per file): common, common_vhost, ncsa_extended, common_complete, w3c_extended, amazon_cloudfront, incapsula_w3c, iis, shoutcast, s3, icecast2, elb, traefik_json, nginx_json, caddy_json, ovh, haproxy, gandi'},
	{flag: 'log-format-regex', type: 'string', group: 'Input and format', value: 'REGEX', wizard: 'format', help: 'Custom format: a regular expression with named groups (Python (?P<name>…) syntax accepted): ip, date, path, status, length, host, user_agent, referrer, query_string, userid, method, timezone, generation_time_milli, event_category, event_action, event_name, session_time'},
	{flag: 'log-date-format', type: 'string', group: 'Input and format', value: 'FORMAT', wizard: 'format', help: 'strptime format of the date group of --log-format-regex (default %d/%b/%Y:%H:%M:%S)'},
	{flag: 'encoding', type: 'string', group: 'Input and format', value: 'NAME', default: 'utf8', help: 'Character encoding of the logs (utf8, latin1, big5, cp1252, shift_jis, …)'},
	{flag: 'skip', type: 'number', group: 'Input and format', value: 'N', default: 0, help: 'Skip the first N lines (counted across all files, as import_logs.py does)'},
	{flag: 'w3c-map-field', type: 'dict', group: 'Input and format', value: 'FIELD=KNOWN', help: 'Read a W3C field under another name, e.g. date-local=date (repeatable)'},
	{flag: 'w3c-time-taken-millisecs', type: 'boolean', group: 'Input and format', help: 'W3C time-taken is in milliseconds (IIS)'},
	{flag: 'w3c-fields', type: 'string', group: 'Input and format', value: 'LINE', help: 'The whole "#Fields: …" line, for W3C logs without one'},
	{flag: 'w3c-field-regex', type: 'dict', group: 'Input and format', value: 'FIELD=REGEX', help: 'Regex for a W3C field, with a named group (repeatable)'},
	{flag: 'ignore-groups', type: 'string', group: 'Input and format', value: 'A,B', help: 'Groups of the format to ignore, e.g. userid,generation_time_milli'},
	{flag: 'add-to-date', type: 'number', group: 'Input and format', value: 'SECONDS', default: 0, help: 'Add this many seconds to every date (before the time zone)'},

	// What to import
	{flag: 'enable-static', type: 'boolean', group: 'What to import', wizard: 'track', help: 'Track static files (images, css, js…) as downloads'},
	{flag: 'bot-detection', type: 'string', group: 'What to import', value: 'LEVEL', default: 'reference', ours: true, wizard: 'track', help: 'Which bots to leave out: "reference" (import_logs.py\'s list of user agents), "modern" (plus a maintained list of crawlers, AI agents and HTTP tools), "behavior" (plus visitors whose own requests show a bot: robots.txt, pages without assets, a rate or regularity no person has)'},
	{flag: 'enable-bots', type: 'boolean', group: 'What to import', wizard: 'track', help: 'Track bots too (with a Bot custom variable)'},
	{flag: 'enable-http-errors', type: 'boolean', group: 'What to import', wizard: 'track', help: 'Track 4xx/5xx responses as errors'},
	{flag: 'enable-http-redirects', type: 'boolean', group: 'What to import', wizard: 'track', help: 'Track 3xx responses (not 304) as redirects'},
	{flag: 'hostname', type: 'list', group: 'What to import', value: 'PATTERN', wizard: 'track', help: 'Import only hosts matching this pattern (* ? [seq]; repeatable)'},
	{flag: 'exclude-path', type: 'list', group: 'What to import', value: 'PATTERN', wizard: 'track', help: 'Skip paths matching this pattern (repeatable)'},
	{flag: 'exclude-path-from', type: 'string', group: 'What to import', value: 'FILE', help: 'Skip paths matching the patterns in FILE (one a line)'},
	{flag: 'include-path', type: 'list', group: 'What to import', value: 'PATTERN', wizard: 'track', help: 'Import only paths matching this pattern (repeatable)'},
	{flag: 'include-path-from', type: 'string', group: 'What to import', value: 'FILE', help: 'Import only paths matching the patterns in FILE'},
	{flag: 'useragent-exclude', type: 'list', group: 'What to import', value: 'TEXT', help: 'Treat user agents containing TEXT as bots (repeatable)'},
	{flag: 'download-extensions', type: 'string', group: 'What to import', value: 'A,B', help: 'Only these extensions are downloads (replaces the built-in list)'},
	{flag: 'add-download-extensions', type: 'string', group: 'What to import', value: 'A,B', help: 'More extensions to track as downloads'},
	{flag: 'include-host', type: 'list', group: 'What to import', value: 'HOST', wizard: 'track', help: 'Import only this host (exact; repeatable)'},
	{flag: 'exclude-host', type: 'list', group: 'What to import', value: 'HOST', wizard: 'track', help: 'Skip this host (exact; repeatable)'},
	{flag: 'exclude-older-than', type: 'string', group: 'What to import', value: 'DATE', wizard: 'track', help: 'Skip hits before "YYYY-MM-DD hh:mm:ss +hhmm"'},
	{flag: 'exclude-newer-than', type: 'string', group: 'What to import', value: 'DATE', wizard: 'track', help: 'Skip hits after "YYYY-MM-DD hh:mm:ss +hhmm"'},

	// Tracked data
	{flag: 'strip-query-string', type: 'boolean', group: 'Tracked data', wizard: 'track', help: 'Leave query strings out of tracked URLs'},
	{flag: 'query-string-delimiter', type: 'string', group: 'Tracked data', value: 'CHAR', default: '?', help: 'Delimiter between path and query string'},
	{flag: 'force-lowercase-path', type: 'boolean', group: 'Tracked data', help: 'Lower-case the paths'},
	{flag: 'title-category-delimiter', type: 'string', group: 'Tracked data', value: 'CHAR', default: '/', help: 'Delimiter in the titles of error and redirect pages'},
	{flag: 'track-http-method', type: 'string', group: 'Tracked data', value: 'VALUE', help: 'Track the HTTP method as a page custom variable (any value turns it on, as in import_logs.py)'},
	{flag: 'enable-reverse-dns', type: 'boolean', group: 'Tracked data', wizard: 'track', help: 'Let Matomo resolve visitor IPs to host names (slow)'},
	{flag: 'track-listening-time', type: 'boolean', group: 'Tracked data', wizard: 'track', ours: true, help: 'Icecast 2 and SHOUTcast: record each listen at its start as a page view of the mount point, with a "Listening" event worth the seconds listened and heartbeats; the summary adds listeners, listening hours (ATH), average/median duration and peak listeners per mount'},
	{flag: 'visit-length', type: 'number', group: 'Tracked data', value: 'SECONDS', default: 1800, ours: true, help: 'With --track-listening-time: your Matomo\'s visit_standard_length, how far heartbeats can extend a visit (raise both together)'},

	// Performance
	{flag: 'recorders', type: 'string', group: 'Performance', value: 'N|auto', default: '1', wizard: 'track', help: 'Concurrent requests to Matomo; about the number of Matomo\'s CPU cores. "auto" finds it, and keeps requests short by sending fewer hits in each when Matomo is slow'},
	{flag: 'recorder-max-payload-size', type: 'number', group: 'Performance', value: 'N', default: 200, help: 'Hits per bulk request'},
	{flag: 'disable-bulk-tracking', type: 'boolean', group: 'Performance', help: 'One hit per request (slow; for trackers without BulkTracking)'},

	// Resume and delivery
	{flag: 'request-timeout', type: 'number', group: 'Resume and delivery', value: 'SECONDS', default: 300, help: 'Timeout of every request to Matomo'},
	{flag: 'retry-max-attempts', type: 'number', group: 'Resume and delivery', value: 'N', default: 3, help: 'Attempts per request before giving up (0: forever)'},
	{flag: 'retry-delay', type: 'number', group: 'Resume and delivery', value: 'SECONDS', default: 10, help: 'Base delay between attempts (grows exponentially, with jitter)'},
	{flag: 'bulk-requests-without-transaction', type: 'boolean', group: 'Resume and delivery', ours: true, help: 'Your Matomo has bulk_requests_use_transaction = 0 under [Tracker]: after a failed bulk request, trust the number of hits it says it tracked and resend only the rest (by default the whole batch is resent, since a default Matomo rolled it back); see Delivery guarantees'},
	{flag: 'state-file', type: 'string', group: 'Resume and delivery', value: 'FILE', ours: true, help: 'Where to keep checkpoints (default $XDG_STATE_HOME/matomo-log-import/state.json)'},
	{flag: 'reimport', type: 'boolean', group: 'Resume and delivery', ours: true, help: 'Ignore checkpoints: import files again from the start'},
	{flag: 'follow', type: 'boolean', group: 'Resume and delivery', ours: true, help: 'After the end of the files, keep importing new lines as they are written (like tail -F); retries forever while Matomo is down'},
	{flag: 'stop-grace', type: 'number', group: 'Resume and delivery', value: 'SECONDS', default: 10, ours: true, hidden: true, help: 'On Ctrl+C/SIGTERM, how long to wait for the requests in flight before abandoning them'},
	{flag: 'follow-interval', type: 'number', group: 'Resume and delivery', value: 'SECONDS', default: 1, ours: true, help: 'With --follow, how often to look for new lines'},

	// Output
	{flag: 'yes', type: 'boolean', group: 'Output', short: 'y', ours: true, help: 'No questions, no terminal UI: run with the options given (for cron)'},
	{flag: 'dry-run', type: 'boolean', group: 'Output', wizard: 'track', help: 'Parse and count, send nothing to Matomo'},
	{flag: 'json', type: 'boolean', group: 'Output', ours: true, help: 'Print the summary as one JSON object'},
	{flag: 'show-progress', type: 'boolean', group: 'Output', help: 'Print progress lines on stderr'},
	{flag: 'show-progress-delay', type: 'number', group: 'Output', value: 'SECONDS', default: 1, help: 'Seconds between progress lines'},
	{flag: 'output', type: 'string', group: 'Output', value: 'FILE', help: 'Append the output (stdout and stderr) to FILE'},
	{flag: 'color', type: 'boolean', group: 'Output', ours: true, default: true, help: 'Colours (--no-color or NO_COLOR to turn off)'},

	// Replay
	{flag: 'replay-tracking', type: 'boolean', group: 'Replay', help: 'Replay the Matomo tracker requests (matomo.php?…) found in the logs'},
	{flag: 'replay-tracking-expected-tracker-file', type: 'string', group: 'Replay', value: 'FILE', help: 'Tracker file name to replay (default piwik.php and matomo.php)'},

	// Custom variables
	{flag: 'regex-group-to-visit-cvar', type: 'dict', group: 'Custom variables', value: 'GROUP=NAME', help: 'Track a format group as a visit custom variable (repeatable)'},
	{flag: 'regex-group-to-page-cvar', type: 'dict', group: 'Custom variables', value: 'GROUP=NAME', help: 'Track a format group as a page custom variable (repeatable)'},

	// Debugging
	{flag: 'debug', type: 'count', group: 'Debugging', short: 'd', help: 'More logging; twice: every skipped line with its reason'},
	{flag: 'debug-tracker', type: 'boolean', group: 'Debugging', help: 'Ask Matomo\'s tracker for debug output and log it'},
	{flag: 'debug-request-limit', type: 'number', group: 'Debugging', value: 'N', help: 'Stop each file at its N-th valid line'},
	{flag: 'debug-force-one-hit-every-Ns', type: 'number', group: 'Debugging', value: 'SECONDS', help: 'With --disable-bulk-tracking, wait between hits'},
	{flag: 'dump-log-regex', type: 'boolean', group: 'Debugging', help: 'Print the format and regex chosen for the first file, then exit'},

	// Kept for compatibility: they need a local PHP Matomo install
	{flag: 'resend-failed-batches-whole', type: 'boolean', group: 'Kept for compatibility', ours: true, ignored: true, help: 'No effect: resending a failed batch whole is now the default (see --bulk-requests-without-transaction)'},
	{flag: 'enable-testmode', type: 'boolean', group: 'Kept for compatibility', help: 'With --config: ask Matomo\'s updatetoken.php for a token in its test mode (Matomo\'s test suite only)'},
];

export const optionByFlag: ReadonlyMap<string, OptionSpec> = new Map(optionTable.map(option => [option.flag, option]));

/** meow's key for a flag: camelCase of the kebab-case name. */
export function flagKey(flag: string): string {
	return flag.replace(/-([a-zA-Z])/g, (_, c: string) => c.toUpperCase());
}

export const groupOrder: readonly OptionGroup[] = [
	'Matomo',
	'Sites',
	'Input and format',
	'What to import',
	'Tracked data',
	'Performance',
	'Resume and delivery',
	'Output',
	'Replay',
	'Custom variables',
	'Debugging',
	'Kept for compatibility',
];
