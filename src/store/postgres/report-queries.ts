import type { DeploymentState } from '../../domain/environments.js';
import { REPORT_WINDOW_MS, type CommentRequest, type PrComment, type PullRequestRef, type UnreportedDeployment } from '../reports.js';
import type { Sql } from './database.js';
import { DEPLOYMENT_COLUMNS } from './deployment-basics.js';

const EXTRA = `d.reported_state AS "reportedState",
  d.id = (SELECT max(id) FROM deployments WHERE environment_id = d.environment_id) AS newest,
  (SELECT message FROM deployment_timeline WHERE deployment_id = d.id ORDER BY at DESC, seq DESC LIMIT 1) AS message`;

/**
 * Deployments of the last week whose state GitHub does not show yet, oldest first. Two disjoint
 * sets, each walking its own partial index: deployments whose state moved on, and those GitHub
 * shows as running or failed that a newer success or a destroy made inactive. The second come
 * last, so GitHub hears of the newer success before the older one goes inactive.
 */
export function unreportedDeployments(sql: Sql, limit: number, now: number): Promise<UnreportedDeployment[]> {
  return sql.all(`SELECT * FROM (
      SELECT ${DEPLOYMENT_COLUMNS}, ${EXTRA}, d.state AS target
      FROM deployments d JOIN environments e ON e.id = d.environment_id
      WHERE d.reported_state IS DISTINCT FROM d.state AND d.reported_state IS DISTINCT FROM 'inactive' AND d.created_at >= $1
      UNION ALL
      SELECT ${DEPLOYMENT_COLUMNS}, ${EXTRA}, 'inactive' AS target
      FROM deployments d JOIN environments e ON e.id = d.environment_id
      WHERE d.reported_state IN ('success', 'failure', 'error') AND d.reported_state = d.state
        AND d.github_deployment_id IS NOT NULL
        AND (e.state = 'destroyed' OR EXISTS (SELECT 1 FROM deployments n WHERE n.environment_id = d.environment_id
          AND n.id > d.id AND n.state = 'success' AND n.github_deployment_id IS DISTINCT FROM d.github_deployment_id))
    ) u ORDER BY target = 'inactive' AND state <> 'inactive', id LIMIT $2`, [now - REPORT_WINDOW_MS, limit]);
}

/** GitHub shows `state` for the deployment now (null: nothing); a GitHub deployment id, once known, is kept. */
export async function markReported(sql: Sql, id: number, state: DeploymentState | null, githubDeploymentId: number | null): Promise<void> {
  await sql.run(`UPDATE deployments SET reported_state = $1, github_deployment_id = coalesce($2, github_deployment_id) WHERE id = $3`,
    [state, githubDeploymentId, id]);
}

export async function getPrComment(sql: Sql, repo: string, pr: number): Promise<PrComment | null> {
  return (await sql.get<PrComment>(`SELECT repo, pr, comment_id AS "commentId", body FROM pr_comments
    WHERE lower(repo) = lower($1) AND pr = $2`, [repo, pr])) ?? null;
}

/** An upsert: the repository keeps the case it was first written in, as in the SQLite store. */
export async function putPrComment(sql: Sql, comment: PrComment, now: number): Promise<void> {
  await sql.run(`INSERT INTO pr_comments (repo, pr, comment_id, body, updated_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (lower(repo), pr) DO UPDATE SET comment_id = excluded.comment_id, body = excluded.body, updated_at = excluded.updated_at`,
  [comment.repo, comment.pr, comment.commentId, comment.body, now]);
}

/**
 * Asks again for a pull request already asked for by moving its row to a new seq (the default's
 * nextval, evaluated for the row proposed): the sequence never hands out a seq twice. One
 * statement, so a pull request named twice in `requests` is named once.
 */
export async function requestComments(sql: Sql, requests: readonly PullRequestRef[], now: number): Promise<void> {
  if (requests.length === 0) return;
  await sql.run(`INSERT INTO comment_requests (repo, pr, requested_at)
      SELECT DISTINCT ON (lower(repo), pr) repo, pr, $3::bigint FROM unnest($1::text[], $2::bigint[]) AS asked (repo, pr)
    ON CONFLICT (lower(repo), pr) DO UPDATE SET seq = excluded.seq, requested_at = excluded.requested_at`,
  [requests.map((request) => request.repo), requests.map((request) => request.pr), now]);
}

export function commentRequests(sql: Sql, limit: number): Promise<CommentRequest[]> {
  return sql.all(`SELECT seq, repo, pr, requested_at AS "requestedAt" FROM comment_requests ORDER BY seq LIMIT $1`, [limit]);
}

/** Only the asks read: a pull request asked for again since has a new seq, and keeps its request. */
export async function clearCommentRequests(sql: Sql, requests: readonly CommentRequest[]): Promise<void> {
  if (requests.length === 0) return;
  await sql.run('DELETE FROM comment_requests WHERE seq = ANY($1::bigint[])', [requests.map((request) => request.seq)]);
}
