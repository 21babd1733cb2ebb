import {defineRegexFormat} from '../source/parse/regex-parser.js';

/**
 * Gandi Simple Hosting. The protocol is an unnamed group (it counts in the detection score). The generation time
 * is like `(0 s)`, which the reference cannot read as a float, so it always sends 0.
 */
const GANDI_SIMPLE_HOSTING_FORMAT = String.raw`(?P<host>[0-9a-zA-Z-_.]+)\s+(?P<ip>[a-zA-Z0-9.]+)\s+\S+\s+(?P<userid>\S+)\s+\[(?P<date>.+?)\s+(?P<timezone>.+?)\]\s+\((?P<generation_time_secs>[0-9a-zA-Z\s]*)\)\s+"(?P<method>[A-Z]+)\s+(?P<path>\S+)\s+(\S+)"\s+(?P<status>[0-9]+)\s+(?P<length>\S+)\s+"(?P<referrer>\S+)"\s+"(?P<user_agent>[^"]+)"`;

export default defineRegexFormat({
	name: 'gandi',
	description: 'Gandi Simple Hosting access log',
	pattern: GANDI_SIMPLE_HOSTING_FORMAT,
	sampleLines: [
		'www.example.com 192.0.2.10 - - [03/Mar/2024:08:15:42 +0100] (0 s) "GET /blog/ HTTP/1.1" 200 8452 "https://duckduckgo.com/" "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"',
		'shop.example.org 198.51.100.23 - admin [03/Mar/2024:08:16:07 +0100] (2 s) "POST /admin/save HTTP/1.1" 302 - "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15"',
	],
});
