/**
 * Imperva Incapsula W3C logs: every field is quoted, and `cs-uri` holds host and path together.
 */
import type {Fields} from '../source/parse/format.js';
import {W3C_QUOTED_UNKNOWN_FIELD, defineW3cFormat} from './w3c.js';

/** Python `value.strip('"')`. */
function stripQuotes(value: string): string {
	let start = 0;
	let end = value.length;
	while (start < end && value.charCodeAt(start) === 34) start++;
	while (end > start && value.charCodeAt(end - 1) === 34) end--;
	return value.slice(start, end);
}

/**
 * The reference's `IncapsulaW3CFormat.get()`: quotes stripped from status and length, an empty status is 200.
 * `cs-method` keeps the base fragment, so the method keeps its quotes (`"GET"`), as in the reference.
 */
function fixFields(fields: Fields): Fields {
	const {status, length} = fields;
	if (length !== undefined) fields.length = stripQuotes(length);
	if (status !== undefined) {
		const bare = stripQuotes(status);
		fields.status = bare === '' ? '200' : bare;
	}

	return fields;
}

export default defineW3cFormat({
	name: 'incapsula_w3c',
	description: 'Imperva Incapsula W3C logs (every field quoted)',
	unknownField: W3C_QUOTED_UNKNOWN_FIELD,
	fields: {
		'cs-uri': String.raw`"(?P<host>[^\/\s]+)(?P<path>\S+)"`,
		'cs-uri-query': String.raw`"(?P<query_string>\S*)"`,
		'c-ip': String.raw`"(?P<ip>[\w*.:-]*)"`,
		'cs(User-Agent)': '"(?P<user_agent>.*?)"',
		'cs(Referer)': String.raw`"(?P<referrer>\S+)"`,
		'sc-status': String.raw`(?P<status>"\d*")`,
		// The reference maps `cs-bytes` (bytes from the client), not `sc-bytes`.
		'cs-bytes': String.raw`(?P<length>"\d*")`,
	},
	fixFields,
	sampleLines: [
		'#Software: Incapsula LOGS API',
		'#Version: 1.1',
		'#Date: 14/Sep/2022 11:05:17',
		'#Fields: date time cs-vid cs-clapp cs-browsertype cs-js-support cs-co-support c-ip s-caip cs-clappsig s-capsupport s-suid cs(User-Agent) cs-sessionid s-siteid cs-countrycode s-tag cs-cicode s-computername cs-lat cs-long s-accountname cs-uri cs-postbody cs-version sc-action s-externalid cs(Referrer) s-ip s-port cs-method cs-uri-query sc-status s-xff cs-bytes cs-start cs-rule cs-severity cs-attacktype cs-attackid s-ruleName',
		'"2022-09-14" "11:04:58" "0f6c2a9e-8d1b-4c55-9a0e-3b7f6d2c1e44" "Firefox" "Browser" "true" "true" "1.2.3.4" "" "" "NA" "120934" "Mozilla/5.0 (X11; Linux x86_64; rv:104.0) Gecko/20100101 Firefox/104.0" "733001200451" "55102938" "NL" "AMS" "Amsterdam" "shop.example.com" "52.3700" "4.8900" "Example BV" "shop.example.com/catalog/item.php" "" "HTTP/1.1" "REQ_PASSED" "901234567" "https://www.example.com/" "203.0.113.50" "443" "GET" "id=77" "200" "" "4210" "1663153498000" "" "" "" "" ""',
		'"2022-09-14" "11:05:03" "7a1d3c5e-2b4f-4e6a-8c0d-1f2e3d4c5b6a" "Chrome" "Browser" "true" "true" "1.2.3.4" "" "" "NA" "120934" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/105.0.0.0 Safari/537.36" "733001200452" "55102938" "NL" "AMS" "Amsterdam" "shop.example.com" "52.3700" "4.8900" "Example BV" "shop.example.com/cart" "" "HTTP/1.1" "REQ_BAD_TIMEOUT" "901234568" "" "203.0.113.50" "443" "POST" "" "" "" "" "1663153503000" "" "" "" "" ""',
	],
});
