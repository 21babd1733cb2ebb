/** The wizard's Matomo check: a web server that is not Matomo is named as such, not as "Matomo answered with an error". */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {once} from 'node:events';
import {checkMatomo, MatomoCheckError} from '../source/ui/matomo-check.js';
import {buildConfig} from '../source/options/config.js';

test('a plain web server (python -m http.server answers POST with 501) is "not a Matomo"', async () => {
	// What `python3 -m http.server` answers to anything but GET/HEAD.
	const server = http.createServer((req, res) => {
		req.resume();
		const status = req.method === 'GET' || req.method === 'HEAD' ? 404 : 501;
		res.writeHead(status, {'content-type': 'text/html;charset=utf-8'});
		res.end(`<html><body><h1>Error response</h1><p>Error code: ${status}</p><p>Message: Unsupported method ('${req.method}').</p></body></html>`);
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const {port} = server.address() as {port: number};
	try {
		const config = buildConfig(
			new Map<string, string>([
				['url', `http://127.0.0.1:${port}`],
				['token-auth', 'x'],
			]),
			[],
			{},
		);
		const error = await checkMatomo(config).then(
			() => undefined,
			(problem: unknown) => problem,
		);
		assert.ok(error instanceof MatomoCheckError, String(error));
		assert.match(error.details.problem, new RegExp(`http://127\\.0\\.0\\.1:${port} is not a Matomo: it answered HTTP (501|404)`));
		assert.doesNotMatch(error.details.problem, /Matomo answered with an error/);
		assert.equal(error.details.field, 'url');
	} finally {
		server.close();
	}
});
