import type Database from 'better-sqlite3';
import type { ApprovalDecision, ApprovalNote, ApprovalRequest, ForkApproval } from '../../domain/approvals.js';

type ApprovalRow = Omit<ForkApproval, 'state'> & { state: ForkApproval['state'] | 'requested' };

/** SQL for fork approvals; runs on the store's worker thread. */
export function createApprovalQueries(db: Database.Database) {
  // A new head keeps a pending request (it is checked against the head) and a decision on this very
  // head; any other decision no longer holds: the new commits await approval.
  const head = db.prepare(`INSERT INTO fork_approvals (repo, pr, state, head_sha, sha, updated_at)
      VALUES (@repo, @pr, 'awaiting', @sha, @sha, @now)
    ON CONFLICT (repo, pr) DO UPDATE SET head_sha = excluded.head_sha, updated_at = excluded.updated_at,
      reason = CASE WHEN state = 'approved' AND sha IS NOT excluded.head_sha
        THEN 'new commits since the approval of ' || substr(sha, 1, 12) || '; a new approval is needed' ELSE reason END,
      by_login = CASE WHEN state IN ('requested') OR sha IS excluded.head_sha THEN by_login ELSE NULL END,
      state = CASE WHEN state = 'requested' OR sha IS excluded.head_sha THEN state ELSE 'awaiting' END,
      sha = CASE WHEN state = 'requested' OR sha IS excluded.head_sha THEN sha ELSE excluded.head_sha END`);
  const request = db.prepare(`INSERT INTO fork_approvals (repo, pr, state, by_login, updated_at)
      VALUES (@repo, @pr, 'requested', @login, @now)
    ON CONFLICT (repo, pr) DO UPDATE SET state = 'requested', by_login = excluded.by_login, reason = NULL,
      updated_at = excluded.updated_at`);
  const decide = db.prepare(`UPDATE fork_approvals SET state = @state, sha = @sha, reason = @reason, updated_at = @now
    WHERE repo = @repo AND pr = @pr AND state = 'requested' AND by_login = @login`);
  // The fork previews of the pull request converge again: an approved head deploys, even one that failed before.
  const wake = db.prepare(`UPDATE environments SET generation = generation + 1, last_trigger = 'approval', failed_sha = NULL, updated_at = ?
    WHERE present = 1 AND fork = 1 AND pr = ? AND app IN (SELECT value FROM json_each(?))`);

  return {
    /** Applies what a delivery says about an approval; called inside finishDeliveries. */
    noteApproval(note: ApprovalNote, now: number): void {
      if (note.kind === 'head') head.run({ repo: note.repo, pr: note.pr, sha: note.sha, now });
      else request.run({ repo: note.repo, pr: note.pr, login: note.login, now });
    },
    approvalFor(repo: string, pr: number): ForkApproval | null {
      const row = db.prepare(`SELECT repo, pr, state, sha, by_login AS by, reason, updated_at AS updatedAt
        FROM fork_approvals WHERE repo = ? AND pr = ?`).get(repo, pr) as ApprovalRow | undefined;
      if (row === undefined) return null;
      // A request being checked awaits its decision.
      return row.state === 'requested' ? { ...row, state: 'awaiting', reason: `checking whether @${row.by ?? 'unknown'} may approve` } : { ...row, state: row.state };
    },
    approvalRequests(): ApprovalRequest[] {
      return db.prepare(`SELECT repo, pr, by_login AS login, head_sha AS headSha FROM fork_approvals
        WHERE state = 'requested' ORDER BY updated_at`).all() as ApprovalRequest[];
    },
    /** Records a decision unless a newer request replaced the one decided; an approval wakes the previews. */
    decideApproval(decision: ApprovalDecision, now: number): void {
      const { apps, ...fields } = decision;
      const decided = decide.run({ ...fields, now }).changes === 1;
      if (decided && decision.state === 'approved') wake.run(now, decision.pr, JSON.stringify(apps));
    },
  };
}
