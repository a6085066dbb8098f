import type { AppConfig, EnvironmentConfig } from '../config/schema.js';
import type { DeploymentEvent, DeploymentStatusEvent, Deployment } from '../events/domain.js';
import { nameFits } from '../names.js';
import { skip, type Outcome } from './intent.js';
import { describeTrack } from './rules.js';

/** The key slipway puts in the `payload` of the GitHub deployments it creates itself. */
export const SLIPWAY_MARKER = 'slipway';

/** slipway created this GitHub deployment (its marker is in the payload): it deploys it already. */
export function isOwnDeployment(deployment: Deployment): boolean {
  const payload = deployment.payload;
  return typeof payload === 'object' && payload !== null && !Array.isArray(payload) && Object.hasOwn(payload, SLIPWAY_MARKER);
}

/** `deployment` created: environments tracking GitHub deployments deploy exactly its sha. */
export function onDeployment(event: DeploymentEvent, app: AppConfig, env: EnvironmentConfig): Outcome {
  const { deployment } = event;
  const label = `GitHub deployment ${deployment.id} to ${deployment.environment}`;
  if (env.track.kind !== 'deployments') return skip(`follows ${describeTrack(env)}, not GitHub deployments`);
  if (deployment.environment.toLowerCase() !== env.name) return skip(`${label}: not ${env.name}`);
  if (event.action !== 'created') return skip(`${label} ${event.action}: only a created deployment deploys`);
  if (isOwnDeployment(deployment)) return skip(`${label} was created by slipway for its own deployment: not deployed twice`);
  if (deployment.task !== 'deploy') return skip(`${label} asks for task ${deployment.task}: slipway runs only "deploy"`);
  return {
    intent: {
      kind: 'pin',
      app: app.name,
      env: env.name,
      sha: deployment.sha,
      trigger: 'deployment.created',
      githubDeploymentId: deployment.id,
      artifactRunId: null,
    },
    reason: `${label}: ${env.name} deploys ${deployment.sha.slice(0, 12)}`,
  };
}

/**
 * `deployment_status`: goes on the timeline of the deployment it is about; `failure` or
 * `error` rolls back an environment configured to (`rollback.on`).
 */
export function onDeploymentStatus(event: DeploymentStatusEvent, app: AppConfig, env: EnvironmentConfig): Outcome {
  const { deployment, state } = event;
  const label = `GitHub deployment ${deployment.id} to ${deployment.environment}`;
  if (!nameFits(env.name, deployment.environment)) return skip(`${label}: not ${env.name}`);
  const name = deployment.environment.toLowerCase();
  const rollback = env.rollback?.on.some((on) => on === state) ?? false;
  if (rollback) {
    const reason = `GitHub deployment ${deployment.id} reported ${state}`;
    return {
      intent: { kind: 'rollback', app: app.name, env: name, trigger: `deployment_status.${state}`, reason, failedSha: deployment.sha, toSha: null, quarantine: true },
      reason: `${label} is ${state}: roll ${name} back (rollback.on: ${env.rollback?.on.join(', ')})`,
    };
  }
  const where = event.targetUrl === null ? '' : ` (${event.targetUrl})`;
  return {
    intent: {
      kind: 'note',
      app: app.name,
      env: name,
      trigger: `deployment_status.${state}`,
      githubDeploymentId: deployment.id,
      message: `GitHub deployment ${deployment.id}: ${state}${where}`,
    },
    reason: `${label} is ${state}: noted on its timeline${env.rollback === null && (state === 'failure' || state === 'error') ? ' (no rollback configured)' : ''}`,
  };
}
