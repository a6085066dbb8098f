import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { GitHubError, networkReason } from './errors.js';

export interface DownloadOptions {
  /** More bytes than this (announced or received) fail the download with `artifact_too_large`. */
  maxBytes: number;
  /** For the whole download, redirects and body included. */
  timeoutMs: number;
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Streams `start` (a signed URL GitHub redirected to, on another origin: blob storage) into
 * `destFile` with plain `fetch`, never with GitHub's credentials, following up to 5 redirects
 * (never from https to http) and returns the number of bytes written. A failed download leaves
 * no file behind. Messages never quote a URL's query (where the signature lives).
 */
export async function download(start: URL, destFile: string, options: DownloadOptions): Promise<number> {
  const { maxBytes, signal } = options;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const deadline = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  const tooLarge = (detail: string) =>
    new GitHubError('artifact_too_large', `GET ${where(start)} is larger than the limit of ${maxBytes} bytes (${detail}); raise the limit or make the artifact smaller`);
  try {
    const response = await follow(start, deadline);
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
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof GitHubError) throw error;
    if (timeout.aborted) throw new GitHubError('github_unavailable', `GET ${where(start)} did not finish within ${options.timeoutMs / 1000} s; try again later`);
    // fetch reports network failures (refused, reset, DNS, a body cut short) as TypeError.
    if (error instanceof TypeError) throw new GitHubError('github_unavailable', `GET ${where(start)} failed: ${networkReason(error)}; try again later`, { cause: error });
    throw error;
  }
}

/** The first answer that is not a redirect, each hop checked; an error status is a `GitHubError`. */
async function follow(start: URL, signal: AbortSignal): Promise<Response> {
  let url = start;
  for (let hop = 0; ; hop += 1) {
    const response = await fetch(url, { headers: { 'user-agent': 'slipway' }, redirect: 'manual', signal });
    if (!REDIRECTS.has(response.status)) {
      if (response.ok) return response;
      await response.body?.cancel();
      throw statusError(response.status, url);
    }
    await response.body?.cancel();
    if (hop === MAX_REDIRECTS) {
      throw new GitHubError('github_invalid_response', `GET ${where(start)} redirected more than ${MAX_REDIRECTS} times; the redirects loop or lead nowhere`);
    }
    const next = nextUrl(response.headers.get('location'), url);
    if (next === null) throw new GitHubError('github_invalid_response', `GET ${where(url)} redirected to a location slipway does not follow (an invalid, missing or non-https URL)`);
    url = next;
  }
}

/** Where a redirect from `from` leads, when slipway follows it: an absolute http(s) URL, never https to http. */
export function nextUrl(location: string | null, from: URL): URL | null {
  const next = location === null || !URL.canParse(location, from.href) ? null : new URL(location, from);
  if (next === null || !['https:', 'http:'].includes(next.protocol) || (from.protocol === 'https:' && next.protocol !== 'https:')) return null;
  return next;
}

function statusError(status: number, url: URL): GitHubError {
  const what = `GET ${where(url)}`;
  if (status === 404 || status === 410) return new GitHubError('github_not_found', `${what} found nothing (HTTP ${status}); the artifact may have been deleted`);
  // Blob storage refuses a signed URL that has expired: a new one is a call away.
  if (status >= 500 || status === 403) return new GitHubError('github_unavailable', `${what} failed with HTTP ${status}; try again later`);
  return new GitHubError('github_invalid_response', `${what} answered with unexpected HTTP ${status}`);
}

/** Origin and path only: no credentials, no query (a signed URL's signature). */
function where(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
