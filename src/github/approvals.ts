import type { Logger } from '../logger.js';
import type { ApprovalDecision, ApprovalRequest } from '../domain/approvals.js';
import type { ApprovalStore } from '../store/store.js';
import { SerialPasses } from '../passes.js';
import type { GitHubClients } from './client.js';
import { canWrite } from './permissions.js';

/** The apps configured for a repository (`owner/name`). */
export type AppsOf = (repo: string) => string[];

/**
 * Decides `/slipway deploy` requests through the GitHub API: the commenter must have write
 * permission (admin, maintain or write), and the pull request's head must still be the one
 * slipway last saw; the approval then holds for that head only. An API error leaves the request
 * pending, to be tried again: it is never taken as a refusal.
 */
export class ApprovalDesk {
  private readonly passes: SerialPasses;

  constructor(
    private readonly store: ApprovalStore,
    private readonly clients: GitHubClients,
    private readonly appsOf: AppsOf,
    private readonly log: Logger,
    /** Called after a request was decided (the pull request's comment shows it). */
    private readonly decided: (repo: string, pr: number) => void = () => undefined,
    /** slipway is stopping: no request is checked any more, and calls in flight end. */
    private readonly stop: AbortSignal = new AbortController().signal,
  ) {
    this.passes = new SerialPasses(async () => {
      for (const request of await this.store.approvalRequests()) {
        if (this.stop.aborted) return;
        await this.decide(request);
      }
    }, stop);
  }

  /** Decides the pending requests; a call while a pass runs makes it pass once more. */
  run(): Promise<void> {
    return this.passes.run();
  }

  private async decide(request: ApprovalRequest): Promise<void> {
    const { repo, pr, login } = request;
    let decision: Pick<ApprovalDecision, 'state' | 'sha' | 'reason'>;
    try {
      decision = await this.check(request);
    } catch (error) {
      if (this.stop.aborted) return;
      this.log.warn({ repo, pr, login, reason: (error as Error).message }, 'cannot check an approval through the GitHub API; will try again');
      return;
    }
    await this.store.decideApproval({ repo, pr, login, ...decision, apps: this.appsOf(repo) });
    this.decided(repo, pr);
    this.log.info({ repo, pr, login, state: decision.state, sha: decision.sha, reason: decision.reason }, `fork preview ${decision.state}`);
  }

  private async check({ repo, pr, login, headSha }: ApprovalRequest): Promise<Pick<ApprovalDecision, 'state' | 'sha' | 'reason'>> {
    const [owner = '', name = ''] = repo.split('/');
    const github = await this.clients.forRepo(repo);
    const request = { signal: this.stop };
    if (!(await canWrite(github, repo, login, this.stop))) return { state: 'refused', sha: null, reason: `@${login} lacks write permission` };
    const { data: pull } = await github.rest.pulls.get({ owner, repo: name, pull_number: pr, request });
    const head = pull.head.sha;
    if (headSha === null) return { state: 'refused', sha: head, reason: 'slipway has seen no head of this pull request to approve yet; comment again after its next push' };
    if (head !== headSha) return { state: 'refused', sha: headSha, reason: `the head moved to ${head.slice(0, 12)} after the comment; comment again` };
    return { state: 'approved', sha: head, reason: null };
  }
}
