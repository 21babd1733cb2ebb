import {defineRegexFormat} from '../source/parse/regex-parser.js';

/**
 * Classic ELB and ALB (whose lines start with a `type` token such as `https` or `h2`). The time keeps its fraction
 * and `Z` outside the group; `generation_time_secs` is the backend processing time (the 2nd timing field); the path
 * keeps the query string. TCP lines (backend or status `-`) do not match.
 */
const ELB_LOG_FORMAT =
	String.raw`(?:\S+\s+)?(?P<date>[0-9-]+T[0-9:]+)\.\S+\s+\S+\s+(?P<ip>[\w*.:-]+):\d+\s+\S+:\d+\s+\S+\s+(?P<generation_time_secs>\S+)\s+\S+\s+` +
	String.raw`(?P<status>\d+)\s+\S+\s+\S+\s+(?P<length>\S+)\s+` +
	String.raw`"\S+\s+\w+:\/\/(?P<host>[\w\-\.]*):\d+(?P<path>\/\S*)\s+[^"]+"\s+"(?P<user_agent>[^"]+)"\s+\S+\s+\S+`;

export default defineRegexFormat({
	name: 'elb',
	description: 'AWS Elastic Load Balancer access log (Classic ELB and ALB)',
	pattern: ELB_LOG_FORMAT,
	dateFormat: '%Y-%m-%dT%H:%M:%S',
	sampleLines: [
		'2024-03-03T07:15:42.274910Z shop-elb 192.0.2.10:53121 10.0.1.24:80 0.000037 0.004512 0.000021 200 200 0 6873 "GET http://shop.example.com:80/products?page=2 HTTP/1.1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0" - -',
		'h2 2024-03-03T07:15:43.001337Z app/web-alb/5d1c2a9e7b3f4c60 2001:db8:3::7:40112 10.0.2.31:8080 0.001 0.038 0.000 200 200 411 15230 "GET https://www.example.com:443/blog/post-1 HTTP/2.0" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-65e42a97-0f1e2d3c4b5a69788796a5b4" "www.example.com" "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" 0 2024-03-03T07:15:42.962000Z "forward" "-" "-" "10.0.2.31:8080" "200" "-" "-"',
	],
});
