import {defineRegexFormat} from '../source/parse/regex-parser.js';

/** Bucket owner, bucket (→ host), time, remote IP, requester (→ userid), request id, operation, key, request line… */
const S3_LOG_FORMAT =
	String.raw`\S+\s+(?P<host>\S+)\s+\[(?P<date>.*?)\s+(?P<timezone>.*?)\]\s+(?P<ip>[\w*.:-]+)\s+` +
	String.raw`(?P<userid>\S+)\s+\S+\s+\S+\s+\S+\s+"(?P<method>\S+)\s+(?P<path>.*?)\s+\S+"\s+(?P<status>\d+)\s+\S+\s+(?P<length>\S+)\s+` +
	String.raw`\S+\s+\S+\s+\S+\s+"(?P<referrer>.*?)"\s+"(?P<user_agent>.*?)"`;

export default defineRegexFormat({
	name: 's3',
	description: 'Amazon S3 server access log',
	pattern: S3_LOG_FORMAT,
	sampleLines: [
		'4f1c9a0be0d6e2f5a3b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9 media.example.com [03/Mar/2024:08:15:42 +0000] 192.0.2.10 - 7Q2XK9VJ3M1TEXMP WEBSITE.GET.OBJECT videos/intro.mp4 "GET /videos/intro.mp4 HTTP/1.1" 200 - 5242880 5242880 412 37 "https://www.example.com/tour" "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0" - Zm9vYmFyYmF6cXV4IGhvc3QgaWQgZXhhbXBsZQ== - - media.example.com.s3-website-eu-west-1.amazonaws.com - -',
		'4f1c9a0be0d6e2f5a3b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9 media.example.com [03/Mar/2024:08:15:45 +0000] 2001:db8:1::9 arn:aws:iam::123456789012:user/deploy 9B3D4C1A8E2FEXMP REST.PUT.OBJECT docs/report.pdf "PUT /docs/report.pdf HTTP/1.1" 200 - - 80211 95 21 "-" "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22" - aGVsbG8gd29ybGQgaG9zdCBpZA== SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader media.example.com.s3.eu-west-1.amazonaws.com TLSv1.2 - -',
	],
});
