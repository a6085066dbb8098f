import type { Deployment } from '../../domain/environments.js';
import type { Sql } from './database.js';

export const DEPLOYMENT_COLUMNS = `d.id, d.environment_id AS "environmentId", e.app, e.name AS env, d.generation, d.sha, d.ref,
  d.trigger, d.delivery_id AS "deliveryId", d.github_deployment_id AS "githubDeploymentId",
  d.artifact_run_id AS "artifactRunId", d.state, d.error, d.built_by AS "builtBy", d.created_at AS "createdAt",
  d.started_at AS "startedAt", d.finished_at AS "finishedAt"`;

/** Adds a line to a deployment's timeline. */
export async function addTimeline(sql: Sql, id: number, at: number, state: string, message: string): Promise<void> {
  await sql.run('INSERT INTO deployment_timeline (deployment_id, at, state, message) VALUES ($1, $2, $3, $4)', [id, at, state, message]);
}

/** Adds a line to a deployment's timeline, in the deployment's current state. */
export async function note(sql: Sql, id: number, message: string, now: number): Promise<void> {
  await sql.run(`INSERT INTO deployment_timeline (deployment_id, at, state, message)
    SELECT id, $2, state, $3 FROM deployments WHERE id = $1`, [id, now, message]);
}

export function deploymentById(sql: Sql, id: number): Promise<Deployment | undefined> {
  return sql.get<Deployment>(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d JOIN environments e ON e.id = d.environment_id WHERE d.id = $1`, [id]);
}
