import {NCSA_EXTENDED_LOG_FORMAT, defineRegexFormat} from '../source/parse/regex-parser.js';

export default defineRegexFormat({
	name: 'ncsa_extended',
	description: 'Apache/Nginx combined log format (NCSA extended)',
	pattern: NCSA_EXTENDED_LOG_FORMAT,
	sampleLines: [
		'192.0.2.10 - - [03/Mar/2024:08:15:42 +0100] "GET /products/green-tea HTTP/1.1" 200 7342 "https://www.google.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0"',
		'2001:db8:4::2a - jdoe [03/Mar/2024:08:15:43 +0100] "GET /downloads/manual.pdf HTTP/2.0" 200 1048576 "-" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1"',
		'66.249.66.1 - - [03/Mar/2024:08:16:05 +0100] "GET /robots.txt HTTP/1.1" 404 - "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"',
	],
});
