import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { GitHubError, type GitHubErrorCode } from './errors.js';

export interface GitHubApiOptions {
  /** `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  apiUrl: string;
  token: string;
  userAgent?: string;
  /** Per call, redirects and the whole body included. Default 5 minutes. */
  timeoutMs?: number;
}

export interface DownloadOptions {
  /** More bytes than this (announced or received) fail the download with `artifact_too_large`. */
  maxBytes: number;
  signal?: AbortSignal;
}

/**
 * The slice of GitHub's REST API that slipway uses. Calls throw `GitHubError`, or the
 * signal's reason when the caller's signal fires.
 */
export interface GitHubApi {
  /** GET `path` (starting with `/`) below apiUrl, parsed as JSON. */
  getJson(path: string, signal?: AbortSignal): Promise<unknown>;
  /**
   * Streams the absolute `url` into `destFile`, following redirects
   * itself, and returns the number of bytes written. A failed download leaves no file behind.
   */
  download(url: string, destFile: string, options: DownloadOptions): Promise<number>;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * A GitHub REST client on the global `fetch`. The token goes to apiUrl's origin only: a
 * redirect elsewhere (artifact zips redirect to blob storage with a signed URL) is followed
 * without it, and no message quotes the token or a URL's query (where signatures live).
 */
export function createGitHubApi(options: GitHubApiOptions): GitHubApi {
  const root = options.apiUrl.replace(/\/+$/, '');
  const apiOrigin = new URL(root).origin;
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const userAgent = options.userAgent ?? 'slipway';

  const fail = (code: GitHubErrorCode, message: string, cause?: unknown): GitHubError =>
    new GitHubError(code, options.token === '' ? message : message.split(options.token).join('[token]'), { cause });

  const headersFor = (url: URL): Record<string, string> =>
    url.origin === apiOrigin
      ? {
          'user-agent': userAgent,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          authorization: `Bearer ${options.token}`,
        }
      : { 'user-agent': userAgent };

  /** Runs `work` under the caller's signal and the timeout; turns network failures into `github_unavailable`. */
  async function guarded<T>(url: URL, signal: AbortSignal | undefined, work: (deadline: AbortSignal) => Promise<T>): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const deadline = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    try {
      return await work(deadline);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof GitHubError) throw error;
      if (timeout.aborted) {
        throw fail('github_unavailable', `GET ${where(url)} did not finish within ${timeoutMs / 1000} s; try again later`);
      }
      // fetch reports network failures (refused, reset, DNS, a body cut short) as TypeError.
      if (error instanceof TypeError) {
        throw fail('github_unavailable', `GET ${where(url)} failed: ${reasonOf(error)}; try again later`, error);
      }
      throw error;
    }
  }

  /** GET with redirects followed by hand, so each hop gets the headers its origin may see. */
  async function follow(start: URL, signal: AbortSignal): Promise<{ response: Response; url: URL }> {
    let url = start;
    for (let hop = 0; ; hop += 1) {
      const response = await fetch(url, { headers: headersFor(url), redirect: 'manual', signal });
      if (!REDIRECTS.has(response.status)) return { response, url };
      await response.body?.cancel();
      if (hop === MAX_REDIRECTS) {
        throw fail('github_invalid_response', `GET ${where(start)} redirected more than ${MAX_REDIRECTS} times; the redirects loop or lead nowhere`);
      }
      const location = response.headers.get('location');
      const next = location === null ? null : URL.canParse(location, url.href) ? new URL(location, url) : null;
      if (next === null || !['https:', 'http:'].includes(next.protocol) || (url.protocol === 'https:' && next.protocol !== 'https:')) {
        throw fail('github_invalid_response', `GET ${where(url)} redirected to a location slipway does not follow (an invalid, missing or non-https URL)`);
      }
      url = next;
    }
  }

  async function statusError(response: Response, url: URL): Promise<GitHubError> {
    const status = response.status;
    const said = githubSaid(await response.text().catch(() => ''));
    const what = `GET ${where(url)}`;
    const retryAfter = response.headers.get('retry-after');
    if (status === 429 || (status === 403 && (response.headers.get('x-ratelimit-remaining') === '0' || retryAfter !== null))) {
      return fail('github_rate_limited', `GitHub rate-limited ${what} (HTTP ${status}${said})${resetText(response.headers, retryAfter)}; try again later`);
    }
    if (status === 401 || status === 403) {
      return fail('github_unauthorized', `GitHub refused ${what} (HTTP ${status}${said}); check that the token is valid and may read this repository's Actions`);
    }
    if (status === 404 || status === 410) {
      return fail('github_not_found', `${what} found nothing (HTTP ${status}${said}); check the repository and run, and that the token can see them`);
    }
    if (status >= 500) return fail('github_unavailable', `${what} failed with HTTP ${status}${said}; try again later`);
    return fail('github_invalid_response', `${what} answered with unexpected HTTP ${status}${said}`);
  }

  return {
    async getJson(path, signal) {
      const url = new URL(`${root}${path}`);
      return guarded(url, signal, async (deadline) => {
        const { response, url: last } = await follow(url, deadline);
        if (!response.ok) throw await statusError(response, last);
        const text = await response.text();
        try {
          return JSON.parse(text) as unknown;
        } catch (error) {
          const type = response.headers.get('content-type') ?? 'no content type';
          throw fail('github_invalid_response', `GET ${where(last)} did not answer with JSON (${type}); check that apiUrl points at GitHub's REST API`, error);
        }
      });
    },

    async download(target, destFile, { maxBytes, signal }) {
      if (!URL.canParse(target)) throw fail('github_invalid_response', 'the download URL GitHub gave is not an absolute URL');
      const url = new URL(target);
      const tooLarge = (detail: string) =>
        fail('artifact_too_large', `GET ${where(url)} is larger than the limit of ${maxBytes} bytes (${detail}); raise the limit or make the artifact smaller`);
      return guarded(url, signal, async (deadline) => {
        const { response, url: last } = await follow(url, deadline);
        if (!response.ok) throw await statusError(response, last);
        const announced = Number(response.headers.get('content-length'));
        if (announced > maxBytes) {
          await response.body?.cancel();
          throw tooLarge(`Content-Length: ${announced}`);
        }
        let bytes = 0;
        const count = async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            bytes += chunk.length;
            if (bytes > maxBytes) throw tooLarge('more arrived');
            yield chunk;
          }
        };
        const body = response.body === null ? Readable.from([]) : Readable.fromWeb(response.body as ReadableStream<Uint8Array>);
        try {
          await pipeline(body, count, createWriteStream(destFile));
        } catch (error) {
          await rm(destFile, { force: true });
          throw error;
        }
        return bytes;
      });
    },
  };
}

/** Origin and path only: no credentials, no query (a signed URL's signature). */
function where(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function reasonOf(error: TypeError): string {
  const cause: unknown = error.cause;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return error.message;
}

/** `: GitHub said "Bad credentials"` from a JSON error body, else nothing. */
function githubSaid(text: string): string {
  try {
    const message: unknown = (JSON.parse(text) as { message?: unknown } | null)?.message;
    return typeof message === 'string' && message !== '' ? `: GitHub said "${message.slice(0, 200)}"` : '';
  } catch {
    return '';
  }
}

function resetText(headers: Headers, retryAfter: string | null): string {
  if (retryAfter !== null && /^\d+$/.test(retryAfter)) return `, retry after ${retryAfter} s`;
  const reset = Number(headers.get('x-ratelimit-reset'));
  return reset > 0 ? `, the limit resets at ${new Date(reset * 1000).toISOString()}` : '';
}
