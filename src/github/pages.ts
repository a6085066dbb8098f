import type * as z from 'zod';
import type { GitHub } from './client.js';
import { GitHubError, toGitHubError } from './errors.js';

/**
 * How a periodic job (recovery, the sweep) calls GitHub: under its run's signal, and without
 * the retry plugin's retries, since the job's next run is the retry.
 */
export interface JobCall {
  signal: AbortSignal;
}

/** One page of a list, and whether GitHub has more after it. */
export interface Page<T> {
  items: T[];
  more: boolean;
}

/** Calls `route` (`GET /repos/{owner}/{repo}/...`) once and validates the fields slipway reads. */
export async function call<T extends z.ZodType>(
  octokit: GitHub,
  route: string,
  params: Record<string, unknown>,
  schema: T,
  job: JobCall,
): Promise<z.output<T>> {
  const response = await request(octokit, route, params, job);
  return validated(schema, response.data, described(route, params));
}

/**
 * The pages of a list endpoint in GitHub's order, following `Link: rel="next"` (page numbers
 * or cursors alike) for at most `maxPages`. A caller that stops early reads no further page.
 * Not Octokit's `paginate.iterator`: it drops the per-call `request` options (the job's
 * signal, no retries) after the first page, and reads a 409 as an empty list.
 */
export async function* pages<T extends z.ZodType>(
  octokit: GitHub,
  route: string,
  params: Record<string, unknown>,
  item: T,
  options: JobCall & { maxPages: number },
): AsyncGenerator<Page<z.output<T>>> {
  let response = await request(octokit, route, params, options);
  for (let page = 1; ; page += 1) {
    const next = nextLink(response.headers.link);
    const items = validated(item.array(), response.data, described(route, params));
    yield { items, more: next !== null };
    if (next === null || page === options.maxPages) return;
    response = await request(octokit, 'GET', { url: next }, options);
  }
}

async function request(octokit: GitHub, route: string, params: Record<string, unknown>, job: JobCall) {
  try {
    return await octokit.request(route, { ...params, request: { retries: 0, signal: job.signal } });
  } catch (error) {
    if (job.signal.aborted) throw job.signal.reason;
    throw toGitHubError(error, described(route, params));
  }
}

/** `GET /repos/acme/web/pulls`: the route with its parameters, or a next page's path (no query). */
function described(route: string, params: Record<string, unknown>): string {
  const url = params.url;
  if (typeof url === 'string') return `${route} ${new URL(url).pathname}`;
  return route.replace(/\{(\w+)\}/g, (whole, name: string) => (params[name] === undefined ? whole : String(params[name])));
}

function validated<T extends z.ZodType>(schema: T, data: unknown, route: string): z.output<T> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
  throw new GitHubError('github_invalid_response', `${route} answered with an unexpected shape${where}: ${issue?.message ?? 'invalid'}`);
}

/** The URL of `rel="next"` in a Link header, else null. */
export function nextLink(link: string | undefined): string | null {
  return /<([^<>]+)>;\s*rel="next"/.exec(link ?? '')?.[1] ?? null;
}
