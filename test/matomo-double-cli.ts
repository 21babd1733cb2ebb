/**
 * Run the Matomo double on its own, for the benchmark and for trying the importer without a Matomo:
 *
 *   node --import tsx test/matomo-double-cli.ts [--mode count] [--port N] [--token T] [--fail SPEC]
 *                                               [--sites host=id,...] [--seed N]
 *
 * Prints `PORT <n>` on stdout once listening; on SIGTERM/SIGINT prints one line of JSON counts on stderr and exits.
 * --fail takes the record server's syntax: KIND[:PROBABILITY[:MS]][@SCOPE][xTIMES], joined with commas
 * (e.g. `500:0.2,slow:0.1:3000,partial:0.2`).
 */
import {parseArgs} from 'node:util';
import {parseFaultSpec, startMatomoDouble, type DoubleSite} from './matomo-double.js';

const usage = 'usage: matomo-double-cli.ts [--mode record|count] [--port N] [--token T] [--fail SPEC] [--sites host=id,...] [--seed N]';

function parseSites(text: string): DoubleSite[] {
	return text
		.split(',')
		.filter(Boolean)
		.map(pair => {
			const [host = '', id = ''] = pair.split('=');
			if (!host || !/^\d+$/.test(id)) throw new Error(`cannot read site '${pair}' (expected host=id)`);
			const url = /^https?:\/\//.test(host) ? host : `http://${host}`;
			return {idsite: Number(id), name: host, main_url: url};
		});
}

async function main(): Promise<void> {
	const options = {
		mode: {type: 'string', default: 'record'},
		port: {type: 'string', default: '0'},
		token: {type: 'string'},
		fail: {type: 'string'},
		sites: {type: 'string'},
		seed: {type: 'string'},
	} as const;
	let values: ReturnType<typeof parseArgs<{options: typeof options; strict: true}>>['values'];
	try {
		({values} = parseArgs({options, strict: true}));
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n${usage}\n`);
		process.exit(2);
	}
	const mode = values.mode;
	if (mode !== 'record' && mode !== 'count') {
		process.stderr.write(`--mode must be record or count\n${usage}\n`);
		process.exit(2);
	}
	const matomo = await startMatomoDouble({
		mode,
		port: Number(values.port),
		token: values.token,
		faults: values.fail ? parseFaultSpec(values.fail) : undefined,
		sites: values.sites ? parseSites(values.sites) : undefined,
		seed: values.seed === undefined ? undefined : Number(values.seed),
	});
	process.stdout.write(`PORT ${matomo.port}\n`);

	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		process.stderr.write(`${JSON.stringify(matomo.stats())}\n`);
		void matomo.close().then(() => process.exit(0));
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

main().catch(error => {
	process.stderr.write(`matomo double: ${(error as Error).message}\n`);
	process.exit(1);
});
