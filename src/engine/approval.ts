import type { EnvironmentConfig } from '../config/schema.js';
import type { Deployment, Environment } from '../domain/environments.js';
import { beginOf } from './attempt.js';
import type { ConvergeContext } from './converge.js';

/** The waiting message of a fork preview under `forks: approve`. */
export const AWAITING_APPROVAL = 'waiting for approval: a user with write permission comments /slipway deploy';
const NO_CREDENTIALS = 'slipway has no GitHub credentials to check who comments, so it cannot be approved: set github.token';

/** A fork's pull request under `forks: approve`: its code deploys only at an approved head. */
export function needsApproval(env: Environment, rule: EnvironmentConfig | null): boolean {
  return env.fork && rule?.track.kind === 'pullRequests' && rule.track.forks === 'approve';
}

/**
 * Resolves to a note (`approved by @x`) when `sha` is the approved head. Otherwise records the
 * commit `waiting` for approval (once) and resolves to null: an approval wakes the environment.
 */
export async function passApproval(env: Environment, sha: string, context: ConvergeContext): Promise<string | null> {
  const { store, app, fence } = context;
  const approval = env.pr === null ? null : await store.approvalFor(app.repo, env.pr);
  if (approval?.state === 'approved' && approval.sha === sha) return `approved by @${approval.by ?? 'unknown'}`;
  const [latest] = await store.listDeployments(env.id, 1);
  if (latest?.state !== 'waiting' || latest.sha !== sha) {
    const waiting = context.canApprove === true ? AWAITING_APPROVAL : `${AWAITING_APPROVAL}; but ${NO_CREDENTIALS}`;
    await store.beginDeployment({ ...beginOf(env, sha, fence), waiting });
    if (context.canApprove === true) context.log.info({ env: env.name, sha }, 'fork preview waits for approval');
    else context.log.warn({ env: env.name, sha }, `fork preview waits for approval; ${NO_CREDENTIALS}`);
  }
  await store.markConverged(env.id, env.generation, fence);
  return null;
}

/** Starts the deployment of `sha`: the one waiting for it (with `note` on its timeline), else a new one. */
export async function beginOrStart(env: Environment, sha: string, note: string, context: ConvergeContext): Promise<Deployment> {
  const { store, fence } = context;
  const [latest] = await store.listDeployments(env.id, 1);
  if (latest?.state !== 'waiting' || latest.sha !== sha) return store.beginDeployment(beginOf(env, sha, fence));
  await store.startDeployment(latest.id, note, fence);
  return latest;
}
