import type { Deployment, Environment, EnvironmentState } from '../domain/environments.js';

/** An environment as the API lists it (and the CLI reads it). Times are epoch milliseconds. */
export interface EnvironmentSummary {
  app: string;
  name: string;
  state: EnvironmentState;
  /** What is desired: the pinned sha when one is pinned, else the ref followed. */
  ref: string | null;
  /** The sha that runs now. */
  sha: string | null;
  url: string | null;
  pr: number | null;
  branch: string | null;
  updatedAt: number;
  expiresAt: number | null;
  /** Kept (`/slipway keep`, the `slipway:keep` label): it never expires, whatever `expiresAt` says. */
  keep: boolean;
}

/** One environment with what converging it looks like, and its recent deployments. */
export interface EnvironmentDetail extends EnvironmentSummary {
  desiredRef: string | null;
  pinnedSha: string | null;
  generation: number;
  observedGeneration: number;
  /** The observed generation reached the desired one: nothing is left to do. */
  converged: boolean;
  ttlMs: number | null;
  lastTrigger: string | null;
  /** A sha rolled back from: following the ref skips it until a new commit. */
  quarantinedSha: string | null;
  /** A commit that failed here: the periodic resync does not deploy it again until a new commit, a config change or a command. */
  failedSha: string | null;
  /** The GitHub deployment the pinned sha came from; the workflow run whose artifact it deploys. */
  githubDeploymentId: number | null;
  artifactRunId: number | null;
  /** Restarts of the running release after it exited, and how it last exited (process target). */
  restarts: number;
  lastExit: string | null;
  /** When it went to sleep (null while awake), how often a request woke it, and when it was last used (a request, else a deploy). */
  sleptAt: number | null;
  wakes: number;
  usedAt: number | null;
  /** What the running release was built by: `manifest slipway.app.yaml`, `Procfile web + package.json (npm ci)`, `Dockerfile`. */
  builtBy: string | null;
  createdAt: number;
  deployments: Deployment[];
}

export function environmentSummary(env: Environment): EnvironmentSummary {
  return {
    app: env.app,
    name: env.name,
    state: env.state,
    // A pin wins over the ref until the next follow (see the reconciler).
    ref: env.pinnedSha ?? env.desiredRef,
    sha: env.observedSha,
    url: env.url,
    pr: env.pr,
    branch: env.branch,
    updatedAt: env.updatedAt,
    expiresAt: env.expiresAt,
    keep: env.keep,
  };
}

export function environmentDetail(env: Environment, deployments: Deployment[]): EnvironmentDetail {
  return {
    ...environmentSummary(env),
    desiredRef: env.desiredRef,
    pinnedSha: env.pinnedSha,
    generation: env.generation,
    observedGeneration: env.observedGeneration,
    converged: env.observedGeneration >= env.generation,
    ttlMs: env.ttlMs,
    lastTrigger: env.lastTrigger,
    quarantinedSha: env.quarantinedSha,
    failedSha: env.failedSha,
    githubDeploymentId: env.githubDeploymentId,
    artifactRunId: env.artifactRunId,
    restarts: env.restarts,
    lastExit: env.lastExit,
    sleptAt: env.sleptAt,
    wakes: env.wakes,
    usedAt: env.usedAt,
    builtBy: env.builtBy,
    createdAt: env.createdAt,
    deployments,
  };
}
