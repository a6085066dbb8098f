import type Database from 'better-sqlite3';
import type { DeploymentState } from '../../domain/environments.js';
import { REPORT_WINDOW_MS, type CommentRequest, type PrComment, type PullRequestRef, type UnreportedDeployment } from '../reports.js';
import { DEPLOYMENT_COLUMNS } from './deployment-queries.js';

/** Deployments older than this are not reported any more (GitHub was unreachable for a week). */

type Row = Omit<UnreportedDeployment, 'newest'> & { newest: number };

/** SQL for what slipway reports to GitHub; runs on the store's worker thread. */
export function createReportQueries(db: Database.Database) {
  const extra = `d.reported_state AS reportedState,
    d.id = (SELECT max(id) FROM deployments WHERE environment_id = d.environment_id) AS newest,
    (SELECT message FROM deployment_timeline WHERE deployment_id = d.id ORDER BY at DESC, rowid DESC LIMIT 1) AS message`;
  // Two disjoint sets, each walking its own partial index: deployments whose state moved on,
  // and those GitHub shows as running or failed that a newer success or a destroy made inactive.
  // The second come last, so GitHub hears of the newer success before the older one goes inactive.
  const unreported = db.prepare(`SELECT * FROM (
      SELECT ${DEPLOYMENT_COLUMNS}, ${extra}, d.state AS target
      FROM deployments d JOIN environments e ON e.id = d.environment_id
      WHERE d.reported_state IS NOT d.state AND d.reported_state IS NOT 'inactive' AND d.created_at >= @since
      UNION ALL
      SELECT ${DEPLOYMENT_COLUMNS}, ${extra}, 'inactive' AS target
      FROM deployments d JOIN environments e ON e.id = d.environment_id
      WHERE d.reported_state IN ('success', 'failure', 'error') AND d.reported_state = d.state
        AND d.github_deployment_id IS NOT NULL
        AND (e.state = 'destroyed' OR EXISTS (SELECT 1 FROM deployments n WHERE n.environment_id = d.environment_id
          AND n.id > d.id AND n.state = 'success' AND n.github_deployment_id IS NOT d.github_deployment_id))
    ) ORDER BY target = 'inactive' AND state != 'inactive', id LIMIT @limit`);
  const mark = db.prepare(`UPDATE deployments SET reported_state = ?, github_deployment_id = coalesce(?, github_deployment_id)
    WHERE id = ?`);
  const comment = db.prepare('SELECT repo, pr, comment_id AS commentId, body FROM pr_comments WHERE repo = ? AND pr = ?');
  const putComment = db.prepare(`INSERT INTO pr_comments (repo, pr, comment_id, body, updated_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (repo, pr) DO UPDATE SET comment_id = excluded.comment_id, body = excluded.body, updated_at = excluded.updated_at`);
  // Asking again replaces the row: AUTOINCREMENT gives it a seq never used before.
  const ask = db.prepare('INSERT OR REPLACE INTO comment_requests (repo, pr, requested_at) VALUES (?, ?, ?)');
  const asked = db.prepare('SELECT seq, repo, pr, requested_at AS requestedAt FROM comment_requests ORDER BY seq LIMIT ?');
  const clear = db.prepare('DELETE FROM comment_requests WHERE seq = ?');

  return {
    /** Deployments of the last week whose state GitHub does not show yet, oldest first, those made inactive last. */
    unreportedDeployments(limit: number, now: number): UnreportedDeployment[] {
      return (unreported.all({ since: now - REPORT_WINDOW_MS, limit }) as Row[]).map((row) => ({ ...row, newest: row.newest === 1 }));
    },
    /** GitHub shows `state` for the deployment now (null: nothing); a GitHub deployment id, once known, is kept. */
    markReported(id: number, state: DeploymentState | null, githubDeploymentId: number | null): void {
      mark.run(state, githubDeploymentId, id);
    },
    getPrComment(repo: string, pr: number): PrComment | null {
      return (comment.get(repo, pr) as PrComment | undefined) ?? null;
    },
    putPrComment(value: PrComment, now: number): void {
      putComment.run(value.repo, value.pr, value.commentId, value.body, now);
    },
    requestComments(requests: readonly PullRequestRef[], now: number): void {
      for (const request of requests) ask.run(request.repo, request.pr, now);
    },
    commentRequests(limit: number): CommentRequest[] {
      return asked.all(limit) as CommentRequest[];
    },
    clearCommentRequests(requests: readonly CommentRequest[]): void {
      for (const request of requests) clear.run(request.seq);
    },
  };
}
