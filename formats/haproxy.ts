import {defineRegexFormat} from '../source/parse/regex-parser.js';

/** HAProxy's HTTP log (syslog line). The IP class has no `:`, so IPv6 clients do not match. */
const HAPROXY_FORMAT = String.raw`.*:\ (?P<ip>[\w*.]+).*\[(?P<date>.*)\].*\ (?P<status>\b\d{3}\b)\ (?P<length>\d+)\ -.*\"(?P<method>\S+)\ (?P<path>\S+).*`;

/**
 * What every line the pattern accepts contains: `: ` before the client, `[`, a ` NNN N -` status/bytes run, and a
 * `"` before the request. Its chain of `.*` backtracks for seconds on long lines that do not match; this turns
 * them away in linear time.
 */
const statusRun = / \d{3} \d+ -/;
const quickCheck = (line: string): boolean => line.includes(': ') && line.includes('[') && line.includes('"') && statusRun.test(line);

export default defineRegexFormat({
	name: 'haproxy',
	quickCheck,
	description: 'HAProxy HTTP log format (syslog)',
	pattern: HAPROXY_FORMAT,
	dateFormat: '%d/%b/%Y:%H:%M:%S.%f',
	sampleLines: [
		'Mar  3 08:15:42 lb1 haproxy[2214]: 192.0.2.10:49152 [03/Mar/2024:08:15:42.117] www-https~ web_servers/web2 0/0/1/12/13 200 4821 - - ---- 12/10/0/1/0 0/0 "GET /catalog/item?id=42 HTTP/1.1"',
		'Mar  3 08:15:43 lb1 haproxy[2214]: 198.51.100.23:50611 [03/Mar/2024:08:15:43.902] www-http web_servers/web1 0/0/0/3/3 301 211 - - ---- 11/9/0/1/0 0/0 "GET /old-page HTTP/1.1"',
	],
});
