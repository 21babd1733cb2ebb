/** The Matomo double the bot-detection tests import into: one shop site, its clock at the generated traffic's date. */
import {after, before} from 'node:test';
import {startMatomoDouble, type MatomoDouble} from './matomo-double.js';

/** Starts the double before the file's tests and closes it after them; call the result for the double. */
export function useShopDouble(): () => MatomoDouble {
	let matomo: MatomoDouble | undefined;
	before(async () => {
		matomo = await startMatomoDouble({
			token: 'test-token',
			sites: [{idsite: 1, name: 'Shop', main_url: 'https://shop.example.org'}],
			now: () => Date.UTC(2026, 3, 1),
		});
	});
	after(async () => {
		await matomo?.close();
	});
	return () => matomo!;
}
