/**
 * undici's Agent and its `request()`, through the package's public exports only. Loading the package's index loads
 * all of undici (fetch, WebSocket, caches, mocks, proxies…), which costs some resident memory for the whole run
 * (bench/profile.md); reaching into the package's files by path saved it, but those paths are not an interface
 * undici keeps between versions.
 */
import {Agent, type Dispatcher} from 'undici';

export type RequestOptions = Dispatcher.RequestOptions;
export type ResponseData = Dispatcher.ResponseData;

export interface HttpAgent {
	agent: Agent;
	request(options: RequestOptions): Promise<ResponseData>;
}

/** A keep-alive pool of connections (an undici Agent) and the request function bound to it. */
export function createHttpAgent(options: Agent.Options): HttpAgent {
	const agent = new Agent(options);
	return {
		agent,
		request: async requestOptions => agent.request(requestOptions),
	};
}
