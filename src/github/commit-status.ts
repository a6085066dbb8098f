import { shorten, type CommitState } from './deployment-report.js';
import type { RepoCall } from './requests.js';

export interface CommitStatus {
  sha: string;
  /** The environment's name: the context is `slipway/<env>`. */
  env: string;
  state: CommitState;
  description: string;
  /** slipway's page for the deployment; absent without server.publicUrl. */
  targetUrl?: string;
}

/** `POST /repos/{owner}/{repo}/statuses/{sha}` with context `slipway/<env>`. */
export async function postCommitStatus(call: RepoCall, status: CommitStatus): Promise<void> {
  await call.github.rest.repos.createCommitStatus({
    owner: call.owner,
    repo: call.repo,
    sha: status.sha,
    state: status.state,
    context: `slipway/${status.env}`,
    description: shorten(status.description),
    ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
    request: call.request,
  });
}
