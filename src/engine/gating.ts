import { formatDuration } from '../config/duration.js';
import type { GateConfig } from '../config/schema.js';
import type { Deployment, Environment } from '../domain/environments.js';
import { beginOf } from './attempt.js';
import type { ConvergeContext } from './converge.js';
import { evaluateGate } from './gate.js';

/**
 * The CI gate of a commit about to deploy. Resolves to the deployment to run when every
 * required signal passed; otherwise records the commit `waiting` (or its gate failed, or timed
 * out) and resolves to null: a new signal for the commit wakes the environment again.
 */
export async function passGate(env: Environment, sha: string, gate: GateConfig, context: ConvergeContext): Promise<Deployment | null> {
  const { store, fence, app } = context;
  const verdict = evaluateGate(gate, await store.signalsFor(app.repo, sha));
  const [latest] = await store.listDeployments(env.id, 1);
  const same = latest !== undefined && latest.sha === sha ? latest : null;
  const waiting = same?.state === 'waiting' ? same : null;
  const begin = beginOf(env, sha, fence);

  if (verdict.state === 'open') {
    if (waiting === null) return store.beginDeployment(begin);
    await store.startDeployment(waiting.id, `gate open: ${verdict.summary}`, fence);
    return waiting;
  }
  const fail = async (error: string, deployment: Deployment | null) => {
    const failed = deployment ?? (await store.beginDeployment({ ...begin, waiting: 'checking the gate', quiet: true }));
    await store.completeDeployment({ id: failed.id, state: 'failure', error, log: '', url: null, fence });
    await store.markConverged(env.id, env.generation, fence);
    context.metrics?.deployments.inc({ outcome: 'failure' });
    context.log.warn({ env: env.name, sha, reason: error }, 'not deployed: the gate failed');
  };
  if (verdict.state === 'failed') {
    // Already failed for this commit: a new signal (a re-run) wakes it again.
    if (same?.state === 'failure' && same.startedAt === null) return converged(env, context);
    await fail(`CI failed: ${verdict.summary}`, waiting);
    return null;
  }
  if (waiting !== null && Date.now() >= waiting.createdAt + gate.timeoutMs) {
    await fail(`gate timed out after ${formatDuration(gate.timeoutMs)}: still ${verdict.summary}`, waiting);
    return null;
  }
  if (waiting === null) {
    await store.beginDeployment({ ...begin, waiting: `gate: ${verdict.summary}` });
    context.log.info({ env: env.name, sha, gate: verdict.summary }, 'waiting for CI');
    context.waiting?.();
  }
  return converged(env, context);
}

async function converged(env: Environment, context: ConvergeContext): Promise<null> {
  await context.store.markConverged(env.id, env.generation, context.fence);
  return null;
}
