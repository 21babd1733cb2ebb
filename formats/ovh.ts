import {HOST_PREFIX, defineRegexFormat} from '../source/parse/regex-parser.js';

/** The IP comes before the host, and there is no method group. */
const OVH_FORMAT =
	String.raw`(?P<ip>\S+)\s+` +
	HOST_PREFIX +
	String.raw`(?P<userid>\S+)\s+\[(?P<date>.*?)\s+(?P<timezone>.*?)\]\s+` +
	String.raw`"\S+\s+(?P<path>.*?)\s+\S+"\s+(?P<status>\S+)\s+(?P<length>\S+)` +
	String.raw`\s+"(?P<referrer>.*?)"\s+"(?P<user_agent>.*?)"`;

export default defineRegexFormat({
	name: 'ovh',
	description: 'OVH web hosting access log (never auto-detected: such logs detect as ncsa_extended)',
	pattern: OVH_FORMAT,
	// The reference skips it by name during detection.
	autoDetect: false,
	sampleLines: [
		'192.0.2.10 www.example.fr - [03/Mar/2024:08:15:42 +0100] "GET /contact.html HTTP/1.1" 200 3412 "https://www.qwant.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0"',
		'2001:db8:7::3 boutique.example.fr:443 client42 [03/Mar/2024:08:16:30 +0100] "POST /panier?ajout=12 HTTP/2.0" 302 - "https://boutique.example.fr/produit/12" "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36"',
	],
});
