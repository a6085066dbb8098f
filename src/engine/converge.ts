import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../logger.js';
import type { Environment, Fence } from '../store/environments.js';
import type { Store } from '../store/store.js';
import { TARGET_CANCELLED } from '../targets/target.js';
import { DeploymentLog } from './deployment-log.js';
import type { AppRuntime, SourcePort } from './ports.js';

export interface ConvergeContext {
  store: Store;
  source: SourcePort;
  app: AppRuntime;
  fence: Fence;
  /** Worktrees live in `<worktreeRoot>/<app>/<env>/<sha>`; app and env are slugged names. */
  worktreeRoot: string;
  log: Logger;
  signal: AbortSignal;
  /** Called once the sha to deploy is known, so a newer desired state can cancel an outdated run. */
  resolved?: (sha: string) => void;
  metrics?: Pick<Metrics, 'deployments' | 'deployStartSeconds'>;
}

/**
 * One pass of the reconciler over one environment, holding its lease: destroy it, or resolve
 * its ref now and deploy that sha unless it already runs. Records every outcome in the store;
 * throws only when the store itself fails.
 */
export async function converge(env: Environment, context: ConvergeContext): Promise<void> {
  if (!env.present) return destroy(env, context);
  const { store, source, app, fence } = context;
  let sha: string;
  try {
    sha = env.pinnedSha ?? (await source.resolve(app.remoteUrl, env.desiredRef ?? ''));
  } catch (error) {
    // An unreachable remote or a vanished ref fails this attempt; it never destroys anything.
    const attempt = await store.beginDeployment(begin(env, null, fence));
    return sourceFailed(context, env, attempt.id, error, '');
  }
  context.resolved?.(sha);
  if (sha === env.observedSha && env.state === 'ready') {
    await store.markConverged(env.id, env.generation, fence);
    return;
  }
  const deployment = await store.beginDeployment(begin(env, sha, fence));
  const output = new DeploymentLog();
  const workdir = join(context.worktreeRoot, env.app, env.name, sha);
  try {
    await source.checkout(app.remoteUrl, env.desiredRef ?? sha, sha, workdir);
  } catch (error) {
    return sourceFailed(context, env, deployment.id, error, output.toString());
  }
  if (env.requestedAt !== null) context.metrics?.deployStartSeconds.observe((Date.now() - env.requestedAt) / 1000);
  try {
    const result = await app.target.apply({
      app: env.app,
      env: env.name,
      sha,
      ref: env.desiredRef ?? sha,
      pr: env.pr,
      branch: env.branch,
      event: env.lastTrigger ?? 'slipway',
      deploymentId: deployment.id,
      workdir,
      vars: app.vars,
      log: output.write,
      signal: context.signal,
    });
    await store.completeDeployment({ id: deployment.id, state: 'success', error: null, log: output.toString(), url: result.url, fence });
    context.metrics?.deployments.inc({ outcome: 'success' });
    context.log.info({ env: env.name, sha, deployment: deployment.id }, 'deployed');
    await pruneWorktrees(context, env, [sha, env.observedSha]);
  } catch (error) {
    const cancelled = context.signal.aborted || (error as { code?: string }).code === TARGET_CANCELLED;
    const message = cancelled ? 'cancelled: a newer commit or a destroy superseded it' : (error as Error).message;
    context.log.warn({ env: env.name, sha, deployment: deployment.id, reason: message }, 'deployment did not succeed');
    context.metrics?.deployments.inc({ outcome: cancelled ? 'inactive' : 'failure' });
    await store.completeDeployment({
      id: deployment.id,
      state: cancelled ? 'inactive' : 'failure',
      error: message,
      log: output.toString(),
      url: null,
      fence,
    });
  }
}

/** Source problems that pass (a remote down, a timeout) are tried again; the others are final. */
const FINAL_SOURCE_ERRORS = new Set(['ref_invalid', 'ref_not_found', 'sha_not_found', 'remote_invalid', 'dir_conflict']);

/** Thrown after a passing failure is recorded, so the reconciler tries again after a backoff. */
export class RetryLater extends Error {}

async function sourceFailed(context: ConvergeContext, env: Environment, id: number, error: unknown, log: string): Promise<void> {
  const message = (error as Error).message;
  const retry = !FINAL_SOURCE_ERRORS.has((error as { code?: string }).code ?? '');
  context.log.warn({ env: env.name, reason: message, retry }, 'cannot get the code to deploy');
  await context.store.completeDeployment({ id, state: 'error', error: message, log, url: null, fence: context.fence, retry });
  context.metrics?.deployments.inc({ outcome: 'error' });
  if (retry) throw new RetryLater(message);
}

async function destroy(env: Environment, context: ConvergeContext): Promise<void> {
  const { store, app, fence } = context;
  const output = new DeploymentLog();
  const kept = env.observedSha === null ? null : join(context.worktreeRoot, env.app, env.name, env.observedSha);
  await app.target.destroy({
    app: env.app,
    env: env.name,
    workdir: kept,
    vars: app.vars,
    log: output.write,
    signal: context.signal,
  });
  await pruneWorktrees(context, env, []);
  await store.completeDestroy(env.id, env.generation, fence);
  context.log.info({ env: env.name }, 'destroyed');
}

/** Removes the environment's worktrees except those of `keep`. */
async function pruneWorktrees(context: ConvergeContext, env: Environment, keep: (string | null)[]): Promise<void> {
  const dir = join(context.worktreeRoot, env.app, env.name);
  const shas = await readdir(dir).catch(() => [] as string[]);
  for (const sha of shas) {
    if (!keep.includes(sha)) await context.source.remove(join(dir, sha));
  }
}

function begin(env: Environment, sha: string | null, fence: Fence) {
  return {
    environmentId: env.id,
    generation: env.generation,
    sha,
    ref: env.desiredRef,
    trigger: env.lastTrigger,
    deliveryId: env.lastDelivery,
    fence,
  };
}
