import type Database from 'better-sqlite3';
import type { EnvironmentChange } from '../../domain/environments.js';

type Rollback = Extract<EnvironmentChange, { kind: 'rollback' }>;
type Note = (deploymentId: number, message: string, now: number) => void;

interface Current {
  id: number;
  present: number;
  observedSha: string | null;
}

const short = (sha: string) => sha.slice(0, 12);

/**
 * Rollback as one store write: pin the environment to the last sha that succeeded there
 * before the failed one (or to the sha asked for), quarantine the failed sha, and say so on
 * the failed deployment's timeline. Without an earlier good sha nothing moves, and the
 * timeline says why.
 */
export function createRollback(db: Database.Database, note: Note) {
  const lastGood = db.prepare(`SELECT sha, artifact_run_id AS artifactRunId FROM deployments
    WHERE environment_id = ? AND state = 'success' AND sha IS NOT NULL AND sha != ? ORDER BY id DESC LIMIT 1`);
  const artifactOf = db.prepare(`SELECT artifact_run_id FROM deployments
    WHERE environment_id = ? AND state = 'success' AND sha = ? ORDER BY id DESC LIMIT 1`).pluck();
  const latestOf = db.prepare(`SELECT id FROM deployments WHERE environment_id = ? AND (sha = ? OR ? IS NULL)
    ORDER BY id DESC LIMIT 1`).pluck();

  return (change: Rollback, current: Current | undefined, deliveryId: string, now: number): void => {
    if (current === undefined || current.present === 0) return;
    const failed = change.failedSha ?? current.observedSha;
    const failedDeployment = latestOf.get(current.id, failed, failed) as number | undefined;
    // A report about a sha the environment no longer runs (it moved on, or already went back) changes nothing.
    if (change.toSha === null && change.failedSha !== null && current.observedSha !== change.failedSha) {
      if (failedDeployment !== undefined) note(failedDeployment, `not rolled back (${change.reason}): the environment no longer runs it`, now);
      return;
    }
    let target: { sha: string; artifactRunId: number | null } | undefined;
    if (change.toSha !== null) {
      target = { sha: change.toSha, artifactRunId: (artifactOf.get(current.id, change.toSha) as number | undefined) ?? null };
    } else {
      target = lastGood.get(current.id, failed ?? '') as { sha: string; artifactRunId: number | null } | undefined;
    }
    if (target === undefined) {
      if (failedDeployment !== undefined) {
        note(failedDeployment, `not rolled back (${change.reason}): no earlier successful deployment to go back to`, now);
      }
      return;
    }
    const quarantined = change.quarantine && failed !== null && failed !== target.sha ? failed : null;
    // rollback_from and rollback_reason: the deployment that carries it out is notified as a rollback.
    db.prepare(`UPDATE environments SET pinned_sha = ?, artifact_run_id = ?, github_deployment_id = NULL,
        quarantined_sha = coalesce(?, quarantined_sha), generation = generation + 1,
        last_trigger = ?, last_delivery = ?, updated_at = ?, rollback_from = ?, rollback_reason = ?
      WHERE id = ?`).run(target.sha, target.artifactRunId, quarantined, change.trigger, deliveryId, now, failed === target.sha ? null : failed, change.reason, current.id);
    if (failedDeployment !== undefined) {
      const held = quarantined === null ? '' : `; ${short(quarantined)} is quarantined: following the ref skips it until a new commit`;
      note(failedDeployment, `rolling back to ${short(target.sha)} (${change.reason})${held}`, now);
    }
  };
}
