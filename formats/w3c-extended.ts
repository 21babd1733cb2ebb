/**
 * Generic W3C extended logs (Netscaler, and any server writing a `#Fields:` header). Time-taken is in seconds here;
 * IIS writes milliseconds and has its own format.
 */
import {defineW3cFormat} from './w3c.js';

export default defineW3cFormat({
	name: 'w3c_extended',
	description: 'W3C extended log format (fields from the #Fields: header, e.g. Citrix Netscaler)',
	sampleLines: [
		'#Version: 1.0',
		'#Software: Netscaler Web Logging(NSWL)',
		'#Date: 2022-11-03 09:12:40',
		'#Fields: date time c-ip cs-username sc-servicename s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status cs-bytes sc-bytes time-taken cs-version cs(User-Agent) cs(Cookie) cs(Referer)',
		'2022-11-03 09:12:40 198.51.100.23 - HTTP 10.1.2.3 443 GET /portal/index.html lang=en 200 512 8211 2 HTTP/1.1 Mozilla/5.0+(X11;+Linux+x86_64;+rv:106.0)+Gecko/20100101+Firefox/106.0 - https://intranet.example.net/',
		'2022-11-03 09:12:41 198.51.100.23 jdoe HTTP 10.1.2.3 443 POST /portal/login.do - 302 1022 310 0 HTTP/1.1 Mozilla/5.0+(X11;+Linux+x86_64;+rv:106.0)+Gecko/20100101+Firefox/106.0 session=abc123 https://intranet.example.net/portal/index.html',
	],
});
