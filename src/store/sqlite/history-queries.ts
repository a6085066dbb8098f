import type Database from 'better-sqlite3';
import type { Deployment, DeploymentOutcome, DeploymentWithTimeline, TimelineEntry } from '../../domain/environments.js';
import { DEPLOYMENT_COLUMNS } from './deployment-queries.js';

/**
 * Reads of many deployments at once, for pages that show many environments or a long history:
 * one statement each, never one per environment or per deployment.
 */
export function createHistoryQueries(db: Database.Database) {
  // Per environment, the id of its `perEnvironment`-th newest deployment bounds an index range
  // scan (deployments_by_environment), so older deployments are never read; and only the columns
  // an outcome needs are (a row of them is a third of the time of a whole deployment's).
  const latest = db.prepare(`SELECT d.id, d.environment_id AS environmentId, d.state, d.sha, d.created_at AS createdAt
    FROM json_each(@ids) asked JOIN deployments d ON d.environment_id = asked.value
      AND d.id >= coalesce((SELECT id FROM deployments WHERE environment_id = asked.value ORDER BY id DESC LIMIT 1 OFFSET @skip), 0)
    ORDER BY d.environment_id, d.id DESC`);
  const newest = db.prepare(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d JOIN environments e ON e.id = d.environment_id
    WHERE d.environment_id = ? ORDER BY d.id DESC LIMIT ?`);
  const timelines = db.prepare(`SELECT deployment_id AS deploymentId, at, state, message FROM deployment_timeline
    WHERE deployment_id IN (SELECT id FROM deployments WHERE environment_id = ? ORDER BY id DESC LIMIT ?)
    ORDER BY deployment_id, at, rowid`);

  return {
    latestDeployments(environmentIds: readonly number[], perEnvironment: number): Map<number, DeploymentOutcome[]> {
      const byEnvironment = new Map<number, DeploymentOutcome[]>();
      if (environmentIds.length === 0 || perEnvironment < 1) return byEnvironment;
      const rows = latest.all({ ids: JSON.stringify(environmentIds), skip: perEnvironment - 1 }) as DeploymentOutcome[];
      for (const row of rows) append(byEnvironment, row.environmentId, row);
      return byEnvironment;
    },
    deploymentHistory(environmentId: number, limit: number): DeploymentWithTimeline[] {
      const deployments = newest.all(environmentId, limit) as Deployment[];
      const phases = new Map<number, TimelineEntry[]>();
      for (const { deploymentId, ...entry } of timelines.all(environmentId, limit) as (TimelineEntry & { deploymentId: number })[]) {
        append(phases, deploymentId, entry);
      }
      return deployments.map((deployment) => ({ ...deployment, timeline: phases.get(deployment.id) ?? [] }));
    },
  };
}

function append<T>(lists: Map<number, T[]>, key: number, value: T): void {
  const list = lists.get(key);
  if (list === undefined) lists.set(key, [value]);
  else list.push(value);
}
