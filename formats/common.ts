import {COMMON_LOG_FORMAT, defineRegexFormat} from '../source/parse/regex-parser.js';

export default defineRegexFormat({
	name: 'common',
	description: 'Apache/Nginx common log format (CLF)',
	pattern: COMMON_LOG_FORMAT,
	sampleLines: [
		'192.0.2.10 - - [03/Mar/2024:08:15:42 +0100] "GET /index.html HTTP/1.1" 200 5120',
		'2001:db8:4::2a - jdoe [03/Mar/2024:08:15:43 +0100] "POST /account/login?next=%2Fcart HTTP/2.0" 302 -',
		'198.51.100.77 - - [03/Mar/2024:08:16:01 +0100] "GET /img/logo.png HTTP/1.1" 304 0',
	],
});
