import type { ApprovalDecision, ApprovalNote, ApprovalRequest, ForkApproval } from '../../domain/approvals.js';
import type { Sql } from './database.js';

type ApprovalRow = Omit<ForkApproval, 'state'> & { state: ForkApproval['state'] | 'requested' };

/**
 * Applies what a delivery says about an approval. A new head keeps a pending request (it is
 * checked against the head) and a decision on this very head; any other decision no longer
 * holds: the new commits await approval.
 */
export async function noteApproval(sql: Sql, note: ApprovalNote, now: number): Promise<void> {
  if (note.kind === 'head') {
    await sql.run(`INSERT INTO fork_approvals AS a (repo, pr, state, head_sha, sha, updated_at) VALUES ($1, $2, 'awaiting', $3, $3, $4)
      ON CONFLICT (lower(repo), pr) DO UPDATE SET head_sha = excluded.head_sha, updated_at = excluded.updated_at,
        reason = CASE WHEN a.state = 'approved' AND a.sha IS DISTINCT FROM excluded.head_sha
          THEN 'new commits since the approval of ' || substr(a.sha, 1, 12) || '; a new approval is needed' ELSE a.reason END,
        by_login = CASE WHEN a.state = 'requested' OR a.sha IS NOT DISTINCT FROM excluded.head_sha THEN a.by_login ELSE NULL END,
        state = CASE WHEN a.state = 'requested' OR a.sha IS NOT DISTINCT FROM excluded.head_sha THEN a.state ELSE 'awaiting' END,
        sha = CASE WHEN a.state = 'requested' OR a.sha IS NOT DISTINCT FROM excluded.head_sha THEN a.sha ELSE excluded.head_sha END`,
    [note.repo, note.pr, note.sha, now]);
    return;
  }
  await sql.run(`INSERT INTO fork_approvals (repo, pr, state, by_login, updated_at) VALUES ($1, $2, 'requested', $3, $4)
    ON CONFLICT (lower(repo), pr) DO UPDATE SET state = 'requested', by_login = excluded.by_login, reason = NULL,
      updated_at = excluded.updated_at`, [note.repo, note.pr, note.login, now]);
}

export async function approvalFor(sql: Sql, repo: string, pr: number): Promise<ForkApproval | null> {
  const row = await sql.get<ApprovalRow>(`SELECT repo, pr, state, sha, by_login AS by, reason, updated_at AS "updatedAt"
    FROM fork_approvals WHERE lower(repo) = lower($1) AND pr = $2`, [repo, pr]);
  if (row === undefined) return null;
  // A request being checked awaits its decision.
  return row.state === 'requested' ? { ...row, state: 'awaiting', reason: `checking whether @${row.by ?? 'unknown'} may approve` } : { ...row, state: row.state };
}

export function approvalRequests(sql: Sql): Promise<ApprovalRequest[]> {
  return sql.all(`SELECT repo, pr, by_login AS login, head_sha AS "headSha" FROM fork_approvals
    WHERE state = 'requested' ORDER BY updated_at, lower(repo), pr`);
}

/** Records a decision unless a newer request replaced the one decided; an approval wakes the PR's fork previews. */
export async function decideApproval(sql: Sql, decision: ApprovalDecision, now: number): Promise<void> {
  const decided = await sql.run(`UPDATE fork_approvals SET state = $1, sha = $2, reason = $3, updated_at = $4
    WHERE lower(repo) = lower($5) AND pr = $6 AND state = 'requested' AND by_login = $7`,
  [decision.state, decision.sha, decision.reason, now, decision.repo, decision.pr, decision.login]);
  if (decided !== 1 || decision.state !== 'approved') return;
  // The fork previews of the pull request converge again: an approved head deploys, even one that failed before.
  await sql.run(`UPDATE environments SET generation = generation + 1, last_trigger = 'approval', failed_sha = NULL, updated_at = $1
    WHERE present AND fork AND pr = $2 AND app = ANY($3::text[])`, [now, decision.pr, decision.apps]);
}
