import { checkRunSignal, checkSuiteSignal, statusSignal, workflowRunSignal, type SignalReport } from '../policy/signals.js';
import type { GitHub } from './client.js';

/** Which CI results to read: workflow runs only when a gate waits for workflows. */
export interface SignalQuery {
  /** `owner/name` */
  repo: string;
  sha: string;
  workflows: boolean;
}

const PAGE = { per_page: 100 } as const;

/**
 * What GitHub's API says about a commit's CI, as the same signals its webhooks give (same ids,
 * attempts and phases), so the store keeps an API read and a webhook of one run as one signal.
 * Reads check runs (`filter=latest`), check suites, the combined status's statuses, and workflow
 * runs when asked. Throws on an API error: the caller keeps waiting, it never fails a gate.
 */
export async function fetchSignals(github: GitHub, query: SignalQuery, signal?: AbortSignal): Promise<SignalReport[]> {
  const [owner = '', repo = ''] = query.repo.split('/');
  // The job's signal (slipway stopping) ends the calls, waits between retries included.
  const where = { owner, repo, ref: query.sha, ...(signal ? { request: { signal } } : {}) };
  const repository = { fullName: query.repo };
  const [runs, suites, combined, workflowRuns] = await Promise.all([
    github.paginate(github.rest.checks.listForRef, { ...where, filter: 'latest', ...PAGE }),
    github.paginate(github.rest.checks.listSuitesForRef, { ...where, ...PAGE }),
    // `state: pending` with no statuses means the commit has none at all: nothing is recorded.
    github.rest.repos.getCombinedStatusForRef({ ...where, ...PAGE }).then((answer) => answer.data.statuses),
    query.workflows ? github.paginate(github.rest.actions.listWorkflowRunsForRepo, { owner, repo, head_sha: query.sha, ...PAGE, ...(signal ? { request: { signal } } : {}) }) : [],
  ]);
  return [
    ...runs.map((run) =>
      checkRunSignal({
        repository,
        id: run.id,
        name: run.name,
        status: run.status,
        conclusion: run.conclusion,
        headSha: query.sha,
        appSlug: run.app?.slug ?? null,
        htmlUrl: run.html_url ?? '',
      }),
    ),
    ...suites.map((suite) =>
      checkSuiteSignal({ repository, id: suite.id, status: suite.status, conclusion: suite.conclusion, headSha: query.sha, appSlug: suite.app?.slug ?? null }),
    ),
    ...combined.map((status) =>
      statusSignal({ repository, id: status.id, sha: query.sha, context: status.context, state: status.state, targetUrl: status.target_url || null }),
    ),
    ...workflowRuns.map((run) =>
      workflowRunSignal({
        repository,
        id: run.id,
        name: run.name ?? null,
        path: run.path,
        runAttempt: run.run_attempt ?? 1,
        status: run.status ?? 'queued',
        conclusion: run.conclusion,
        headSha: query.sha,
        htmlUrl: run.html_url,
      }),
    ),
  ];
}
