import type { DeployRequest } from './target.js';

/** What a release is, as its SLIPWAY_* variables describe it; `event` and `deploymentId` are absent outside a deployment (a destroy). */
export type ReleaseFacts = Pick<DeployRequest, 'app' | 'env' | 'sha' | 'ref' | 'pr' | 'branch'> &
  Partial<Pick<DeployRequest, 'event' | 'deploymentId'>> & {
    /** The environment's URL, when known. */
    url: string | null;
  };

/**
 * The SLIPWAY_* variables every target gives the app's commands and releases. Payload text
 * (ref, branch, event) reaches them only this way, never as shell text or a path. An
 * undefined value leaves the name unset.
 */
export function slipwayVariables(facts: ReleaseFacts): Record<string, string | undefined> {
  return {
    SLIPWAY_APP: facts.app,
    SLIPWAY_ENV: facts.env,
    SLIPWAY_SHA: facts.sha,
    SLIPWAY_REF: facts.ref,
    SLIPWAY_PR: facts.pr === null ? undefined : String(facts.pr),
    SLIPWAY_BRANCH: facts.branch ?? undefined,
    SLIPWAY_EVENT: facts.event,
    SLIPWAY_DEPLOYMENT_ID: facts.deploymentId === undefined ? undefined : String(facts.deploymentId),
    SLIPWAY_URL: facts.url ?? undefined,
  };
}
