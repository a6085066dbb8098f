import type { Counter, Gauge } from 'prom-client';

/** The metrics the GitHub clients keep (created with the others in `http/metrics.ts`). */
export interface GitHubMetrics {
  /** Every HTTP request to GitHub's API, by method and status (`error` when no answer came). */
  githubRequests: Counter<'method' | 'status'>;
  /** `x-ratelimit-remaining` of GitHub's latest answer, by `x-ratelimit-resource` (core, search, …). */
  githubRateLimitRemaining: Gauge<'resource'>;
}

/**
 * The `fetch` Octokit sends through: every request, retries and token requests included, is
 * counted, the quota GitHub reports is recorded, and a request without an answer after
 * `timeoutMs` is aborted (reported as a timeout).
 */
export function githubFetch(timeoutMs: number, metrics?: GitHubMetrics): typeof fetch {
  return async (input, init) => {
    const method = init?.method ?? 'GET';
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal });
    } catch (error) {
      metrics?.githubRequests.inc({ method, status: 'error' });
      throw error;
    }
    metrics?.githubRequests.inc({ method, status: String(response.status) });
    const remaining = Number(response.headers.get('x-ratelimit-remaining') ?? NaN);
    if (metrics !== undefined && Number.isFinite(remaining)) {
      metrics.githubRateLimitRemaining.set({ resource: response.headers.get('x-ratelimit-resource') ?? 'core' }, remaining);
    }
    return response;
  };
}
