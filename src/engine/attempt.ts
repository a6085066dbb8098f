import type { BeginDeployment, Environment, Fence } from '../domain/environments.js';

/** A deployment attempt of an environment's current desired state, at `sha`. */
export function beginOf(env: Environment, sha: string | null, fence: Fence): BeginDeployment {
  return {
    environmentId: env.id,
    generation: env.generation,
    sha,
    ref: env.desiredRef,
    trigger: env.lastTrigger,
    deliveryId: env.lastDelivery,
    githubDeploymentId: env.githubDeploymentId,
    artifactRunId: env.artifactRunId,
    fence,
  };
}
