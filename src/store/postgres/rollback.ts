import type { EnvironmentChange } from '../../domain/environments.js';
import type { Sql } from './database.js';
import { note } from './deployment-basics.js';

type Rollback = Extract<EnvironmentChange, { kind: 'rollback' }>;

interface Current {
  id: number;
  present: boolean;
  observedSha: string | null;
}

interface Target {
  sha: string;
  artifactRunId: number | null;
}

const short = (sha: string) => sha.slice(0, 12);

/**
 * Rollback as one store write: pin the environment to the last sha that succeeded there
 * before the failed one (or to the sha asked for), quarantine the failed sha, and say so on
 * the failed deployment's timeline. Without an earlier good sha nothing moves, and the
 * timeline says why.
 */
export async function rollback(sql: Sql, change: Rollback, current: Current | undefined, deliveryId: string, now: number): Promise<void> {
  if (current === undefined || !current.present) return;
  const failed = change.failedSha ?? current.observedSha;
  const failedDeployment = await sql.value<number>(`SELECT id FROM deployments WHERE environment_id = $1 AND (sha = $2 OR $2::text IS NULL)
    ORDER BY id DESC LIMIT 1`, [current.id, failed]);
  // A report about a sha the environment no longer runs (it moved on, or already went back) changes nothing.
  if (change.toSha === null && change.failedSha !== null && current.observedSha !== change.failedSha) {
    if (failedDeployment !== undefined) await note(sql, failedDeployment, `not rolled back (${change.reason}): the environment no longer runs it`, now);
    return;
  }
  let target: Target | undefined;
  if (change.toSha !== null) {
    const artifactRunId = await sql.value<number | null>(`SELECT artifact_run_id FROM deployments
      WHERE environment_id = $1 AND state = 'success' AND sha = $2 ORDER BY id DESC LIMIT 1`, [current.id, change.toSha]);
    target = { sha: change.toSha, artifactRunId: artifactRunId ?? null };
  } else {
    target = await sql.get<Target>(`SELECT sha, artifact_run_id AS "artifactRunId" FROM deployments
      WHERE environment_id = $1 AND state = 'success' AND sha IS NOT NULL AND sha <> $2 ORDER BY id DESC LIMIT 1`, [current.id, failed ?? '']);
  }
  if (target === undefined) {
    if (failedDeployment !== undefined) {
      await note(sql, failedDeployment, `not rolled back (${change.reason}): no earlier successful deployment to go back to`, now);
    }
    return;
  }
  const quarantined = change.quarantine && failed !== null && failed !== target.sha ? failed : null;
  // rollback_from and rollback_reason: the deployment that carries it out is notified as a rollback.
  await sql.run(`UPDATE environments SET pinned_sha = $1, artifact_run_id = $2, github_deployment_id = NULL,
      quarantined_sha = coalesce($3, quarantined_sha), generation = generation + 1,
      last_trigger = $4, last_delivery = $5, updated_at = $6, rollback_from = $7, rollback_reason = $8
    WHERE id = $9`, [target.sha, target.artifactRunId, quarantined, change.trigger, deliveryId, now, failed === target.sha ? null : failed, change.reason, current.id]);
  if (failedDeployment !== undefined) {
    const held = quarantined === null ? '' : `; ${short(quarantined)} is quarantined: following the ref skips it until a new commit`;
    await note(sql, failedDeployment, `rolling back to ${short(target.sha)} (${change.reason})${held}`, now);
  }
}
