/**
 * Microsoft IIS (W3C extended with IIS field names). IIS writes `time-taken` in milliseconds, and the extra capture
 * group on `sc-win32-status` is there only to outscore the generic W3C format in detection.
 */
import {defineW3cFormat} from './w3c.js';

export default defineW3cFormat({
	name: 'iis',
	description: 'Microsoft IIS W3C extended logs (time-taken in milliseconds)',
	fields: {
		'time-taken': String.raw`(?P<generation_time_milli>[.\d]+)`,
		'sc-win32-status': String.raw`(?P<__win32_status>\S+)`,
	},
	sampleLines: [
		'#Software: Microsoft Internet Information Services 10.0',
		'#Version: 1.0',
		'#Date: 2023-03-14 08:00:02',
		'#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes time-taken',
		'2023-03-14 08:00:02 10.0.0.5 GET /shop/cart.aspx item=42&qty=2 443 - 1.2.3.4 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/111.0.0.0+Safari/537.36 https://www.example.org/shop/ www.example.org 200 0 0 5120 187',
		'2023-03-14 08:00:05 10.0.0.5 GET /shop/missing.aspx - 443 mary 1.2.3.4 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/111.0.0.0+Safari/537.36 - www.example.org 404 0 2 1245 15',
	],
});
