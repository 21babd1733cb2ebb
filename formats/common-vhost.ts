import {COMMON_LOG_FORMAT, HOST_PREFIX, defineRegexFormat} from '../source/parse/regex-parser.js';

export default defineRegexFormat({
	name: 'common_vhost',
	description: 'Apache common log format with the virtual host first (%v)',
	pattern: HOST_PREFIX + COMMON_LOG_FORMAT,
	sampleLines: [
		'shop.example.org 192.0.2.10 - - [03/Mar/2024:08:15:42 +0100] "GET /cart HTTP/1.1" 200 2048',
		'www.example.com:443 2001:db8::17 - - [03/Mar/2024:08:15:44 +0100] "GET /search?q=tea+pot HTTP/2.0" 200 9311',
		'blog.example.net 203.0.113.5 - editor [03/Mar/2024:08:17:10 +0100] "POST /wp-admin/post.php HTTP/1.1" 302 -',
	],
});
