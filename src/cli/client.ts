import { SlipwayError } from '../errors.js';
import { clientApiToken } from './api-token.js';
import { UsageError } from './args.js';
import type { LoadedConfig } from '../config/load.js';
import { CONFIG_OPTION, loadCliConfig, localUrl } from './config-option.js';
import { visible } from './output.js';

/** What the commands that talk to a running server share: where it is and how to call it. */
export interface ApiClient {
  get(path: string, query?: Record<string, string | undefined>): Promise<unknown>;
  post(path: string, body?: unknown): Promise<unknown>;
  /** A GET whose answer is text streamed as it comes (`slipway logs`): its bytes, once the server said 200. */
  stream(path: string, query?: Record<string, string | undefined>): Promise<AsyncIterable<Uint8Array>>;
}

/** Options every API command takes. */
export const CLIENT_OPTIONS = { ...CONFIG_OPTION, url: { type: 'string' } } as const;

export const CLIENT_HELP = `  --url URL      the server (default http://127.0.0.1:<server.port>)
  --config FILE  config file, for the port and the API token (default: $SLIPWAY_CONFIG,
                 else ./slipway.yaml)

The API token is read from $SLIPWAY_API_TOKEN, else server.apiToken, else the api-token file
"slipway serve" generated in the config's data folder (store.dataDir).`;

/** The server answered a call with an error: its message, and its whole answer (a refused reload lists the config's problems there). */
export class ApiError extends SlipwayError {
  constructor(
    message: string,
    readonly answer: unknown,
  ) {
    super('api_error', message);
  }
}

/** A client for the server named by --url, else the local one of the config (`loaded`, when already read). */
export async function connect(values: { url?: string | undefined; config?: string | undefined }, loaded?: LoadedConfig): Promise<ApiClient> {
  loaded ??= await loadCliConfig(values.config);
  const base = values.url ?? localUrl(loaded);
  if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) {
    throw new UsageError(`--url must be an http(s) URL such as http://127.0.0.1:8080, not ${JSON.stringify(base)}`);
  }
  const token = clientApiToken(loaded.config, process.env);
  /** The server's answer once it said 2xx; anything else is an error with the server's message. */
  const send = async (method: string, path: string, body: unknown): Promise<Response> => {
    const url = new URL(path, base);
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    // The API takes writes only as JSON, with a body or without.
    if (method === 'POST') headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      const reason = String((error as Error).cause ?? (error as Error).message);
      throw new SlipwayError('unreachable', `cannot reach slipway at ${url.origin} (${reason}); is "slipway serve" running?`);
    }
    if (!response.ok) {
      const answer = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      // The server's message may quote payload text: its newlines must not pass for lines of ours.
      const message = visible(answer?.error?.message ?? response.statusText);
      throw new ApiError(`${message} (${response.status} from ${method} ${url.pathname})`, answer);
    }
    return response;
  };
  const call = async (method: string, path: string, body: unknown): Promise<unknown> =>
    (await send(method, path, body)).json().catch(() => null);
  const withQuery = (path: string, query: Record<string, string | undefined>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
    return params.size > 0 ? `${path}?${params}` : path;
  };
  return {
    get: (path, query = {}) => call('GET', withQuery(path, query), undefined),
    post: (path, body) => call('POST', path, body),
    stream: async (path, query = {}) => {
      const response = await send('GET', withQuery(path, query), undefined);
      if (response.body === null) throw new SlipwayError('api_error', `no output from GET ${path}`);
      return response.body;
    },
  };
}

/** A path segment from user input: `/api/environments/${segment(app)}`. */
export function segment(text: string): string {
  // URLs resolve "." and ".." away, so they could name another route.
  if (text === '' || text === '.' || text === '..') throw new UsageError(`${JSON.stringify(text)} is not a name slipway uses`);
  return encodeURIComponent(text);
}
