import {NCSA_EXTENDED_LOG_FORMAT, defineRegexFormat} from '../source/parse/regex-parser.js';

export default defineRegexFormat({
	name: 'icecast2',
	description: 'Icecast 2 access log (combined format plus the session duration)',
	// `session_time` is never sent as such; it is only usable as a custom variable.
	pattern: NCSA_EXTENDED_LOG_FORMAT + String.raw`\s+(?P<session_time>[0-9-]+)`,
	sampleLines: [
		'192.0.2.10 - - [03/Mar/2024:08:15:42 +0100] "GET /live.mp3 HTTP/1.1" 200 48213760 "https://radio.example.com/player" "VLC/3.0.20 LibVLC/3.0.20" 3012',
		'2001:db8::44 - - [03/Mar/2024:08:20:11 +0100] "GET /jazz.ogg HTTP/1.0" 200 1048576 "-" "Lavf/60.3.100" 65',
	],
});
