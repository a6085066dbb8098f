/*
 * Reads of many deployments at once, for pages that show many environments or a long history:
 * one statement each, never one per environment or per deployment.
 */
import type { Deployment, DeploymentOutcome, DeploymentWithTimeline, TimelineEntry } from '../../domain/environments.js';
import type { Sql } from './database.js';
import { DEPLOYMENT_COLUMNS } from './deployment-basics.js';

/**
 * Per environment asked for, its `perEnvironment` newest deployments, each an index range scan
 * of deployments_by_environment (older deployments are never read), with only the columns an
 * outcome needs.
 */
export async function latestDeployments(sql: Sql, environmentIds: readonly number[], perEnvironment: number): Promise<Map<number, DeploymentOutcome[]>> {
  const byEnvironment = new Map<number, DeploymentOutcome[]>();
  if (environmentIds.length === 0 || perEnvironment < 1) return byEnvironment;
  const rows = await sql.all<DeploymentOutcome>(`SELECT d.id, d.environment_id AS "environmentId", d.state, d.sha, d.created_at AS "createdAt"
    FROM (SELECT DISTINCT unnest($1::bigint[]) AS id) asked
    CROSS JOIN LATERAL (SELECT * FROM deployments WHERE environment_id = asked.id ORDER BY id DESC LIMIT $2) d
    ORDER BY d.environment_id, d.id DESC`, [environmentIds, perEnvironment]);
  for (const row of rows) append(byEnvironment, row.environmentId, row);
  return byEnvironment;
}

/** An environment's newest deployments, each with its timeline; the caller reads both in one snapshot. */
export async function deploymentHistory(sql: Sql, environmentId: number, limit: number): Promise<DeploymentWithTimeline[]> {
  const deployments = await sql.all<Deployment>(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d JOIN environments e ON e.id = d.environment_id
    WHERE d.environment_id = $1 ORDER BY d.id DESC LIMIT $2`, [environmentId, limit]);
  const entries = await sql.all<TimelineEntry & { deploymentId: number }>(`SELECT deployment_id AS "deploymentId", at, state, message
    FROM deployment_timeline WHERE deployment_id = ANY($1::bigint[]) ORDER BY deployment_id, at, seq`, [deployments.map((d) => d.id)]);
  const phases = new Map<number, TimelineEntry[]>();
  for (const { deploymentId, ...entry } of entries) append(phases, deploymentId, entry);
  return deployments.map((deployment) => ({ ...deployment, timeline: phases.get(deployment.id) ?? [] }));
}

function append<T>(lists: Map<number, T[]>, key: number, value: T): void {
  const list = lists.get(key);
  if (list === undefined) lists.set(key, [value]);
  else list.push(value);
}
