import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { Deployment, Environment, Fence } from '../domain/environments.js';
import type { ApprovalStore, EnvironmentStore, SignalStore } from '../store/store.js';
import { TARGET_CANCELLED } from '../targets/target.js';
import { beginOrStart, needsApproval, passApproval } from './approval.js';
import { beginOf } from './attempt.js';
import { DeploymentLog, type LiveLogs } from './deployment-log.js';
import { configDigest, ruleRemoved, variablesOf } from './effective.js';
import { passGate } from './gating.js';
import { LeaseLost } from './leases.js';
import type { AppRuntime, ArtifactPort, EngineMetrics, SourcePort } from './ports.js';
import { ruleOf } from '../policy/rules.js';

export interface ConvergeContext {
  store: EnvironmentStore & SignalStore & Pick<ApprovalStore, 'approvalFor'>;
  source: SourcePort;
  app: AppRuntime;
  fence: Fence;
  /** Worktrees live in `<worktreeRoot>/<app>/<env>/<sha>`; app and env are slugged names. */
  worktreeRoot: string;
  /** Unpacked workflow artifacts live in `<artifactRoot>/<app>/<env>/<run id>`. */
  artifactRoot: string;
  /** Absent when slipway has no GitHub credentials: artifacts cannot be downloaded. */
  artifacts?: ArtifactPort;
  log: Logger;
  signal: AbortSignal;
  /** Whether the environment's lease is certainly still held (see DeployRequest.holdsLease). */
  holdsLease?: () => boolean;
  /** Called once the sha to deploy is known, so a newer desired state can cancel an outdated run. */
  resolved?: (sha: string) => void;
  metrics?: Pick<EngineMetrics, 'deployments' | 'deployStartSeconds'>;
  /** Called after a deployment started waiting for its gate (its CI may be confirmed through the API). */
  waiting?: () => void;
  /** GitHub credentials exist: a fork preview can be approved (the commenter's permission is read). */
  canApprove?: boolean;
  /** Where a running deployment's log can be followed as it is written (`slipway logs --build --follow`). */
  liveLogs?: LiveLogs;
  /** Called after a deployment succeeded. */
  deployed?: () => void;
}

/**
 * One pass of the reconciler over one environment, holding its lease: destroy it, or resolve
 * its ref now and deploy that sha unless it already runs. Records every outcome in the store;
 * throws only when the store itself fails.
 */
export async function converge(env: Environment, context: ConvergeContext): Promise<void> {
  if (!env.present) return destroy(env, context);
  const { store, source, app, fence } = context;
  const following = env.pinnedSha === null;
  if (following && ruleRemoved(app, env)) {
    context.log.debug({ env: env.name, rule: env.rule }, 'not following: the config no longer has the environment that made it; it keeps running as it is');
    await store.markConverged(env.id, env.generation, fence);
    return;
  }
  let sha: string;
  try {
    sha = env.pinnedSha ?? (await source.resolve(app.remoteUrl, env.desiredRef ?? '', { signal: context.signal }));
  } catch (error) {
    // Cancelled (a newer desired state, a stop): nothing was attempted; the environment stays to converge.
    if (context.signal.aborted) return;
    // An unreachable remote or a vanished ref fails this attempt; it never destroys anything.
    const attempt = await store.beginDeployment(beginOf(env, null, fence));
    return sourceFailed(context, env, attempt.id, error, '');
  }
  context.resolved?.(sha);
  // A sleeping environment runs its sha too: only a request (or a new commit) starts it again.
  // `/slipway redeploy` deploys the sha again even though it runs.
  if (sha === env.observedSha && (env.state === 'ready' || env.state === 'sleeping') && !env.redeploy) {
    await store.markConverged(env.id, env.generation, fence);
    return;
  }
  if (following && sha === env.quarantinedSha) {
    context.log.info({ env: env.name, sha }, 'not deploying a quarantined commit: it was rolled back; a new commit moves the environment on');
    await store.markConverged(env.id, env.generation, fence);
    return;
  }
  if (sha === env.failedSha && configDigest(app, env) === env.failedConfig && !env.redeploy) {
    context.log.debug({ env: env.name, sha }, 'not deploying again a commit that failed here with the same config; a new commit, a config change or slipway deploy does');
    await store.markConverged(env.id, env.generation, fence);
    return;
  }
  const rule = ruleOf(app, env);
  let note = 'nothing to wait for';
  if (needsApproval(env, rule)) {
    const approved = await passApproval(env, sha, context);
    if (approved === null) return;
    note = approved;
  }
  const gate = following ? (rule?.gate ?? null) : null;
  const deployment = gate === null ? await beginOrStart(env, sha, note, context) : await passGate(env, sha, gate, context);
  if (deployment === null) return;
  await deploy(env, sha, deployment, rule, context);
}

/** Gets the code (a checkout, or a workflow artifact) and applies it; records the outcome. Its log can be followed meanwhile. */
async function deploy(env: Environment, sha: string, deployment: Deployment, rule: EnvironmentConfig | null, context: ConvergeContext): Promise<void> {
  const output = context.liveLogs?.start(deployment.id) ?? new DeploymentLog();
  try {
    await deployWith(output, env, sha, deployment, rule, context);
  } finally {
    // After the outcome is stored: a follower that sees the end reads it there.
    context.liveLogs?.finish(deployment.id);
  }
}

async function deployWith(output: DeploymentLog, env: Environment, sha: string, deployment: Deployment, rule: EnvironmentConfig | null, context: ConvergeContext): Promise<void> {
  const { store, app, fence } = context;
  let workdir: string;
  try {
    workdir = await fetchCode(env, sha, rule, context);
  } catch (error) {
    if (context.signal.aborted) return cancelled(context, env, sha, deployment, output);
    return sourceFailed(context, env, deployment.id, error, output.toString(), configDigest(app, env));
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
      vars: variablesOf(app, env, rule),
      log: output.write,
      signal: context.signal,
      ...(context.holdsLease === undefined ? {} : { holdsLease: context.holdsLease }),
    });
    await store.completeDeployment({ id: deployment.id, state: 'success', error: null, log: output.toString(), url: result.url, builtBy: result.builtBy ?? null, fence });
    context.metrics?.deployments.inc({ outcome: 'success' });
    context.log.info({ env: env.name, sha, deployment: deployment.id }, 'deployed');
    context.deployed?.();
  } catch (error) {
    if (context.signal.aborted || (error as { code?: string }).code === TARGET_CANCELLED) return cancelled(context, env, sha, deployment, output);
    const message = (error as Error).message;
    context.log.warn({ env: env.name, sha, deployment: deployment.id, reason: message }, 'deployment did not succeed');
    context.metrics?.deployments.inc({ outcome: 'failure' });
    await store.completeDeployment({ id: deployment.id, state: 'failure', error: message, log: output.toString(), url: null, fence, config: configDigest(app, env) });
    await rollBackAfterFailure(env, sha, deployment, rule, context);
    return;
  }
  // Outside the deployment's outcome: a failure here is logged, and the next deploy prunes again.
  await housekeep(context, env, [sha, env.observedSha], env.artifactRunId);
}

/** The attempt was cancelled (its signal): it ends `inactive`, saying why. */
async function cancelled(context: ConvergeContext, env: Environment, sha: string, deployment: Deployment, output: DeploymentLog): Promise<void> {
  const message = cancelMessage(context.signal);
  context.log.warn({ env: env.name, sha, deployment: deployment.id, reason: message }, 'deployment did not succeed');
  context.metrics?.deployments.inc({ outcome: 'inactive' });
  await context.store.completeDeployment({ id: deployment.id, state: 'inactive', error: message, log: output.toString(), url: null, fence: context.fence });
}

/** The folder to deploy from: the commit checked out, or the workflow run's artifact unpacked. */
async function fetchCode(env: Environment, sha: string, rule: EnvironmentConfig | null, context: ConvergeContext): Promise<string> {
  const { app, source } = context;
  if (env.artifactRunId === null) {
    const workdir = join(context.worktreeRoot, env.app, env.name, sha);
    await source.checkout(app.remoteUrl, env.desiredRef ?? sha, sha, workdir, { signal: context.signal });
    return workdir;
  }
  if (rule?.artifact == null) {
    throw new ArtifactUnavailable(`${env.app}/${env.name} has no artifact configured any more; deploy a ref or a sha instead`);
  }
  if (context.artifacts === undefined) {
    throw new ArtifactUnavailable('downloading a workflow artifact needs GitHub credentials: set github.token');
  }
  const dir = join(context.artifactRoot, env.app, env.name, String(env.artifactRunId));
  await rm(dir, { recursive: true, force: true });
  await context.artifacts.fetch({ repo: app.repo, runId: env.artifactRunId, name: rule.artifact, dir, signal: context.signal });
  return dir;
}

/** A deployment that cannot get its artifact for a reason that will not pass by itself. */
class ArtifactUnavailable extends Error {
  readonly code = 'artifact_unavailable';
}

/**
 * slipway's own deployment failed (non-zero exit, never healthy): with `rollback.on: failure`
 * the environment goes back to the sha it ran before, and the failed one is quarantined. A
 * failed rollback is not rolled back again.
 */
async function rollBackAfterFailure(env: Environment, sha: string, deployment: Deployment, rule: EnvironmentConfig | null, context: ConvergeContext): Promise<void> {
  if (!(rule?.rollback?.on.includes('failure') ?? false)) return;
  if (env.observedSha === null || env.observedSha === sha || /rollback/.test(env.lastTrigger ?? '')) return;
  const reason = `deployment ${deployment.id} of ${sha.slice(0, 12)} failed`;
  await context.store.changeEnvironments(
    [{ kind: 'rollback', app: env.app, env: env.name, trigger: 'rollback', reason, failedSha: sha, toSha: env.observedSha, quarantine: true }],
    'rollback',
  );
  context.log.warn({ env: env.name, failed: sha, to: env.observedSha }, 'rolling back');
}

/** Source problems that pass (a remote down, a timeout) are tried again; the others are final. */
const FINAL_SOURCE_ERRORS = new Set([
  'ref_invalid',
  'ref_not_found',
  'sha_not_found',
  'remote_invalid',
  'dir_conflict',
  'artifact_unavailable',
  'artifact_unsafe',
  'artifact_too_large',
  'artifact_invalid',
  'artifact_not_found',
  'artifact_expired',
  'github_unauthorized',
  'github_not_found',
  'github_invalid_response',
]);

/** Why the reconciler cancelled an attempt (its signal's reason): a newer desired state, or a stop. */
export class Superseded extends Error {}

function cancelMessage(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Superseded) return reason.message;
  if (reason instanceof LeaseLost) return `cancelled: ${reason.message}`;
  return 'cancelled: a newer commit or a destroy superseded it';
}

/** Thrown after a passing failure is recorded, so the reconciler tries again after a backoff. */
export class RetryLater extends Error {}

/** `config`: the config digest of an attempt that had its sha, which a final error remembers (see Environment.failedSha). */
async function sourceFailed(context: ConvergeContext, env: Environment, id: number, error: unknown, log: string, config?: string): Promise<void> {
  const message = (error as Error).message;
  const retry = !FINAL_SOURCE_ERRORS.has((error as { code?: string }).code ?? '');
  context.log.warn({ env: env.name, reason: message, retry }, 'cannot get the code to deploy');
  const remember = retry || config === undefined ? {} : { config };
  await context.store.completeDeployment({ id, state: 'error', error: message, log, url: null, fence: context.fence, retry, ...remember });
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
    vars: variablesOf(app, env, ruleOf(app, env)),
    log: output.write,
    signal: context.signal,
  });
  await housekeep(context, env, [], null);
  await store.completeDestroy(env.id, env.generation, fence);
  context.log.info({ env: env.name }, 'destroyed');
}

/**
 * Removes the environment's worktrees except those of `keepShas`, and its unpacked artifacts
 * except that of run `keepRun`. Housekeeping never changes an outcome: what cannot be removed
 * is logged and left for the next deployment of the environment to prune again.
 */
async function housekeep(context: ConvergeContext, env: Environment, keepShas: (string | null)[], keepRun: number | null): Promise<void> {
  const worktrees = join(context.worktreeRoot, env.app, env.name);
  const artifacts = join(context.artifactRoot, env.app, env.name);
  const removals = [
    ...(await listDir(worktrees)).filter((sha) => !keepShas.includes(sha)).map((sha) => () => context.source.remove(join(worktrees, sha))),
    ...(await listDir(artifacts)).filter((run) => run !== String(keepRun)).map((run) => () => rm(join(artifacts, run), { recursive: true, force: true })),
  ];
  for (const remove of removals) {
    await remove().catch((error: unknown) => {
      context.log.warn({ env: env.name, reason: (error as Error).message }, 'cannot remove an old worktree or artifact; the next deployment tries again');
    });
  }
}

const listDir = (dir: string): Promise<string[]> => readdir(dir).catch(() => [] as string[]);
