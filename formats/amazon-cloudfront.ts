/**
 * Amazon CloudFront access logs, web and RTMP distributions (tab-separated W3C). RTMP lines become events
 * (category `cloudfront_rtmp`, action from `x-event`, name from `x-sname`).
 */
import type {Fields} from '../source/parse/format.js';
import {pythonUnquote} from '../source/parse/python-text.js';
import {defineW3cFormat} from './w3c.js';

/** The reference's `AmazonCloudFrontFormat.get()`, applied once to the whole line. */
function fixFields(fields: Fields): Fields {
	// Constant event category; RTMP logs have no status (both only when the regex has no such group).
	if (!('event_category' in fields)) fields.event_category = 'cloudfront_rtmp';
	if (!('status' in fields)) fields.status = '200';
	// CloudFront encodes the user agent twice (`%2520` for a space); the reference decodes it twice.
	const userAgent = fields.user_agent;
	if (userAgent !== undefined) fields.user_agent = pythonUnquote(pythonUnquote(userAgent));
	return fields;
}

export default defineW3cFormat({
	name: 'amazon_cloudfront',
	description: 'Amazon CloudFront web and RTMP distribution logs',
	fields: {
		'x-event': String.raw`(?P<event_action>\S+)`,
		'x-sname': String.raw`(?P<event_name>\S+)`,
		// RTMP stems are `rtmp://host/app`: the path becomes `/host/app`.
		'cs-uri-stem': String.raw`(?:rtmp:/)?(?P<path>/\S*)`,
		'c-user-agent': String.raw`(?P<user_agent>".*?"|\S+)`,
		// Capturing only so that CloudFront outscores the generic W3C format in detection.
		'x-edge-location': String.raw`(?P<x_edge_location>".*?"|\S+)`,
		'x-edge-result-type': String.raw`(?P<x_edge_result_type>".*?"|\S+)`,
		'x-edge-request-id': String.raw`(?P<x_edge_request_id>".*?"|\S+)`,
		// The viewer's Host header; `cs(Host)` (the distribution's domain) stays an unknown field.
		'x-host-header': String.raw`(?P<host>".*?"|\S+)`,
	},
	fixFields,
	sampleLines: [
		'#Version: 1.0',
		'#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields',
		'2024-02-10\t14:22:31\tAMS54-C1\t10240\t1.2.3.4\tGET\td3abcdefghij1.cloudfront.net\t/docs/guide.html\t200\thttps://www.example.com/\tMozilla/5.0%2520(Macintosh;%2520Intel%2520Mac%2520OS%2520X%252010_15_7)%2520Safari/605.1.15\tpage=2\t-\tHit\tq1W2e3R4t5Y6u7I8o9P0aSdFgHjKlZxCvBnM==\twww.example.com\thttps\t320\t0.004\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit\tHTTP/2.0\t-\t-',
		'2024-02-10\t14:22:32\tAMS54-C1\t532\t1.2.3.4\tGET\td3abcdefghij1.cloudfront.net\t/favicon.ico\t304\thttps://www.example.com/docs/guide.html\tMozilla/5.0%2520(Macintosh;%2520Intel%2520Mac%2520OS%2520X%252010_15_7)%2520Safari/605.1.15\t-\t-\tRefreshHit\tzX9cV8bN7mM6==\twww.example.com\thttps\t290\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tRefreshHit\tHTTP/2.0\t-\t-',
	],
});
