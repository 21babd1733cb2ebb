import {HOST_PREFIX, NCSA_EXTENDED_LOG_FORMAT, defineRegexFormat} from '../source/parse/regex-parser.js';

export default defineRegexFormat({
	name: 'common_complete',
	description: 'Apache/Nginx combined log format with the virtual host first',
	pattern: HOST_PREFIX + NCSA_EXTENDED_LOG_FORMAT,
	sampleLines: [
		'www.example.com 192.0.2.10 - - [03/Mar/2024:08:15:42 +0100] "GET /about/ HTTP/1.1" 200 4120 "https://www.example.com/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"',
		'shop.example.org:8443 2001:db8:85a3::8a2e:370:7334 - alice [03/Mar/2024:08:15:50 +0100] "GET /checkout?step=2 HTTP/2.0" 200 15873 "https://shop.example.org/cart" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15"',
		'static.example.com 198.51.100.77 - - [03/Mar/2024:08:16:01 +0100] "GET /css/site.css HTTP/1.1" 304 - "https://www.example.com/about/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0"',
	],
});
