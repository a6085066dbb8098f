import type { EnvironmentConfig } from '../config/schema.js';
import { SLIPWAY_MARKER } from '../policy/deployments.js';
import type { Deployment, DeploymentState } from '../domain/environments.js';

/** The states of a GitHub deployment status. */
export type GitHubDeploymentState = 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

/** The states of a GitHub commit status. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** GitHub refuses longer status descriptions. */
export const DESCRIPTION_MAX = 140;

/** `text` on one line, cut to `max` characters with an ellipsis. */
export function shorten(text: string, max = DESCRIPTION_MAX): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

export interface StatusReport {
  state: GitHubDeploymentState;
  description: string;
}

/** Why a deployment that is not inactive in slipway ends inactive on GitHub. */
export type InactiveReason = 'superseded' | 'destroyed';

/**
 * The GitHub status for a slipway deployment in `state`: waiting is `queued` and says what for,
 * a failure says why, each in at most 140 characters.
 */
export function deploymentStatus(state: DeploymentState, detail: { error: string | null; message: string | null }, reason?: InactiveReason): StatusReport {
  switch (state) {
    case 'waiting':
      return { state: 'queued', description: shorten(`waiting: ${detail.message ?? 'for its gate'}`) };
    case 'queued':
      return { state: 'queued', description: 'queued' };
    case 'in_progress':
      return { state: 'in_progress', description: 'deploying' };
    case 'success':
      return { state: 'success', description: 'deployed' };
    case 'failure':
    case 'error':
      return { state, description: shorten(detail.error ?? detail.message ?? state) };
    case 'inactive':
      return { state: 'inactive', description: reason === 'destroyed' ? 'environment destroyed' : reason === 'superseded' ? 'superseded by a newer deployment' : shorten(detail.message ?? 'inactive') };
  }
}

/** The commit status that goes with a deployment status. */
export function commitState(state: GitHubDeploymentState): CommitState | null {
  if (state === 'inactive') return null;
  if (state === 'queued' || state === 'in_progress') return 'pending';
  return state;
}

/** The body of `POST /repos/{owner}/{repo}/deployments` for a deployment slipway made itself. */
export function deploymentRequest(deployment: Pick<Deployment, 'id' | 'app' | 'env' | 'sha'>, rule: EnvironmentConfig | null) {
  const kind = rule?.track.kind;
  return {
    ref: deployment.sha ?? '',
    environment: deployment.env,
    task: 'deploy',
    auto_merge: false,
    required_contexts: [],
    transient_environment: kind === 'pullRequests' || kind === 'branches',
    production_environment: rule?.productionEnvironment ?? false,
    description: shorten(`slipway deploys ${deployment.app} to ${deployment.env}`),
    // The deployment webhook this causes is recognized as slipway's own (policy/deployments.ts).
    payload: { [SLIPWAY_MARKER]: { app: deployment.app, env: deployment.env, deployment: deployment.id } },
  };
}
