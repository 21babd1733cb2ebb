/**
 * The options of the per-line stage, from the run's configuration: the same in the run's thread and in a parse
 * worker (which gets the configuration, not these objects: they hold functions and caches).
 */
import type {ImportConfig} from '../options/config.js';
import type {RequestOptions} from '../track/tracking-request.js';
import type {LineProcessorOptions} from './line-processor.js';

export function requestOptionsOf(config: ImportConfig): RequestOptions {
	return {
		stripQueryString: config.stripQueryString,
		queryStringDelimiter: config.queryStringDelimiter,
		titleCategoryDelimiter: config.titleCategoryDelimiter,
		reverseDns: config.reverseDns,
		enableBots: config.enableBots,
		replayTracking: config.replayTracking,
	};
}

export function processorOptionsOf(config: ImportConfig, listening: boolean): LineProcessorOptions {
	return {
		hit: {
			forceLowercasePath: config.forceLowercasePath,
			queryStringDelimiter: config.queryStringDelimiter,
			trackHttpMethod: config.trackHttpMethod,
			logHostname: config.logHostname,
			pageCvarGroups: config.pageCvarGroups,
			visitCvarGroups: config.visitCvarGroups,
			ignoreGroups: config.ignoreGroups,
		},
		addToDate: config.addToDate,
		replay: config.replayTracking ? {trackerFiles: config.replayTrackerFiles, addToDate: config.addToDate} : undefined,
		listening,
	};
}
