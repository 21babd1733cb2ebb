/**
 * SHOUTcast DNAS W3C logs: `c-status` is the HTTP status, `x-duration` the listening time in seconds (imported as the
 * generation time, like the reference), and the user agent is percent-encoded.
 */
import type {Fields} from '../source/parse/format.js';
import {pythonUnquote} from '../source/parse/python-text.js';
import {defineW3cFormat} from './w3c.js';

/** The reference's `ShoutcastFormat.get('user_agent')`: `urllib.parse.unquote` once. */
function fixFields(fields: Fields): Fields {
	const userAgent = fields.user_agent;
	if (userAgent !== undefined) fields.user_agent = pythonUnquote(userAgent);
	return fields;
}

export default defineW3cFormat({
	name: 'shoutcast',
	description: 'SHOUTcast DNAS W3C logs (c-status, x-duration)',
	fields: {
		'c-status': String.raw`(?P<status>\d+)`,
		'x-duration': String.raw`(?P<generation_time_secs>[.\d]+)`,
	},
	fixFields,
	sampleLines: [
		'#Software: SHOUTcast DNAS',
		'#Version: 2.6.0.750',
		'#Fields: c-ip c-dns date time cs-uri-stem c-status cs(User-Agent) sc-bytes x-duration avgbandwidth',
		'203.0.113.7 listener.example.com 2021-06-01 20:15:44 /live?type=.mp3 200 VLC%2F3.0.16%20LibVLC%2F3.0.16 1048576 95 88300',
		'203.0.113.9 203.0.113.9 2021-06-01 20:17:02 /stream/1/ 200 Winamp%2F5.9%20%28compatible%29 20480 3 54613',
	],
});
