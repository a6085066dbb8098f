import type { Octokit } from '@octokit/rest';

type Response = Awaited<ReturnType<Octokit['request']>>;

interface Entry {
  etag: string;
  response: Response;
}

/**
 * The last answer to each repeated GET, with its ETag, most recently used last. Bounded: past
 * `maxEntries` the least recently used entry goes. One cache serves every client; keys start
 * with the credential's identity, as different credentials may see different answers.
 */
export class EtagCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 500) {}

  get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }
}

/**
 * Makes `octokit`'s GETs conditional: a GET answered before with an ETag is sent with
 * `if-none-match`, and GitHub's 304 (which does not count against the rate limit; Octokit
 * throws it as an error) is answered with the cached response. `identity` names the
 * credential, never holding it (`token:<hash>`, `installation:<id>`, `app:<id>`).
 */
export function useEtags(octokit: Octokit, cache: EtagCache, identity: string): void {
  octokit.hook.wrap('request', async (request, options) => {
    const streamed = options.request?.parseSuccessResponseBody === false;
    if (options.method !== 'GET' || streamed || options.headers['if-none-match'] !== undefined) return request(options);
    const key = `${identity} GET ${octokit.request.endpoint.parse(options).url}`;
    const cached = cache.get(key);
    if (cached !== undefined) options.headers['if-none-match'] = cached.etag;
    try {
      const response = await request(options);
      const etag = response.headers.etag;
      if (response.status === 200 && typeof etag === 'string') cache.set(key, { etag, response: structuredClone(response) });
      return response;
    } catch (error) {
      if (cached !== undefined && (error as { status?: unknown }).status === 304) return structuredClone(cached.response);
      throw error;
    }
  });
}
