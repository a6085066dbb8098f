/**
 * Environments and deployments as the store keeps them. An environment holds a desired
 * state (a ref to follow or a pinned sha, present or not) with a `generation` that grows on
 * every change; the reconciler converges it and records `observedGeneration`.
 */

/** `sleeping`: ready, but its release is stopped for idling; the next request through the router wakes it. */
export const ENVIRONMENT_STATES = ['pending', 'waiting', 'deploying', 'ready', 'sleeping', 'failed', 'destroying', 'destroyed'] as const;
export type EnvironmentState = (typeof ENVIRONMENT_STATES)[number];

export const DEPLOYMENT_STATES = ['queued', 'waiting', 'in_progress', 'success', 'failure', 'error', 'inactive'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];
export type FinalDeploymentState = Extract<DeploymentState, 'success' | 'failure' | 'error' | 'inactive'>;

/** A desired-state change that a delivery causes, applied in the transaction that marks it done. */
export type EnvironmentChange =
  | {
      kind: 'follow';
      app: string;
      env: string;
      /** Full git ref: refs/heads/main, refs/tags/v1, refs/pull/7/head. */
      ref: string;
      /** The sha the event named; a hint, the reconciler resolves the ref itself. */
      shaHint: string | null;
      pr: number | null;
      branch: string | null;
      ttlMs: number | null;
      trigger: string;
      /** When the event happened at its source; an older one than the last applied is stale. */
      eventAt?: number | null;
      /** The configured environment (name or template) the change comes from. */
      rule?: string;
      /** Someone asked to follow the ref again: a quarantined sha may deploy. */
      clearQuarantine?: boolean;
      /** A pull request from a fork: untrusted code, never given secret variables. */
      fork?: boolean;
      /** The `slipway:keep` label: true while the pull request has it, false when it was just removed; absent leaves `keep` as it is. */
      keep?: boolean;
    }
  | {
      kind: 'destroy';
      app: string;
      env: string;
      reason: string;
      trigger: string;
      eventAt?: number | null;
      /**
       * The ref whose environment goes (a deleted branch): an environment that follows another
       * ref is left alone, and a live one of `rule` that follows it is found under any name.
       */
      ref?: string;
      /** The configured environment (template) the destroy comes from. */
      rule?: string;
      /** `/slipway destroy`: a follow of the same head does not bring it back; the next push does. */
      hold?: boolean;
    }
  /** Deploy exactly this sha (CLI, API, GitHub deployments, workflow artifacts) until the next follow. */
  | {
      kind: 'pin';
      app: string;
      env: string;
      sha: string;
      trigger: string;
      rule?: string;
      /** The GitHub deployment that asked for this sha. */
      githubDeploymentId?: number | null;
      /** Deploy this workflow run's artifact instead of the source tree. */
      artifactRunId?: number | null;
    }
  /**
   * Go back to the last sha that succeeded before `failedSha` (or to `toSha`): pins the
   * environment there. With `quarantine`, following its ref does not deploy `failedSha` again
   * until a new commit arrives.
   */
  | {
      kind: 'rollback';
      app: string;
      env: string;
      trigger: string;
      reason: string;
      /** The sha that failed; null means the one the environment runs. */
      failedSha: string | null;
      toSha: string | null;
      quarantine: boolean;
    }
  /** A note on the timeline of the deployment linked to a GitHub deployment (its statuses). */
  | { kind: 'note'; app: string; env: string; trigger: string; githubDeploymentId: number; message: string }
  /**
   * Converge again without changing what is desired (resync): drift and missed pushes heal.
   * Anyone but a periodic sweep (`periodic`) lets a commit that failed here deploy again; with
   * `redeploy` (a config change) the sha that runs is deployed again too.
   */
  | { kind: 'nudge'; app: string; env: string; trigger: string; periodic?: boolean; redeploy?: boolean }
  /**
   * A command from the pull request (`/slipway redeploy`, `extend`, `keep`) on a live preview: its
   * TTL counts from now, and `redeploy` deploys its head again even when that sha runs or failed,
   * `extendMs` pushes its expiry out that much, `keep` keeps it (no TTL, no sleep).
   */
  | { kind: 'command'; app: string; env: string; trigger: string; redeploy?: boolean; extendMs?: number; keep?: boolean };

export interface Environment {
  id: number;
  app: string;
  name: string;
  /** false once a destroy was asked for; the row stays as history. */
  present: boolean;
  desiredRef: string | null;
  pinnedSha: string | null;
  generation: number;
  observedGeneration: number;
  observedSha: string | null;
  state: EnvironmentState;
  url: string | null;
  pr: number | null;
  branch: string | null;
  ttlMs: number | null;
  /** When a new commit or a command last arrived (TTL counts from here; a label change does not count). */
  lastCommitAt: number | null;
  expiresAt: number | null;
  /** Kept (`/slipway keep`, the `slipway:keep` label): no TTL, no sleep. */
  keep: boolean;
  /**
   * Deploy again even the sha that runs (or failed): asked by `/slipway redeploy` or a config
   * change; cleared when a deployment of that generation begins.
   */
  redeploy: boolean;
  lastTrigger: string | null;
  lastDelivery: string | null;
  /** The configured environment (name or template) it was made from; null when unknown. */
  rule: string | null;
  /** A sha that failed and was rolled back: following the ref does not deploy it again. */
  quarantinedSha: string | null;
  /**
   * A commit whose deployment failed here, and the digest of the config it failed with: the
   * periodic resync does not deploy it again until a new commit, a config change or a command.
   */
  failedSha: string | null;
  failedConfig: string | null;
  /** The GitHub deployment the pinned sha came from. */
  githubDeploymentId: number | null;
  /** The workflow run whose artifact the pinned sha deploys. */
  artifactRunId: number | null;
  /** How often the running release was restarted after it exited (process target). */
  restarts: number;
  /** How the running release last exited: `code 1`, `signal SIGKILL`; null when it never did. */
  lastExit: string | null;
  /** What the running release was built by, as its target said (see DeployResult); null when it did not. */
  builtBy: string | null;
  /** A pull request preview from a fork: untrusted code, never given secret variables. */
  fork: boolean;
  /** When the webhook (or request) that last changed the desired state arrived. */
  requestedAt: number | null;
  /** When its release was stopped for idling; null while awake. */
  sleptAt: number | null;
  /** How often a request woke it. */
  wakes: number;
  /** When it was last used: a request through the router, else its last successful deploy. */
  usedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface Deployment {
  id: number;
  environmentId: number;
  app: string;
  env: string;
  /** The environment generation this attempt converges to. */
  generation: number;
  sha: string | null;
  ref: string | null;
  trigger: string | null;
  deliveryId: string | null;
  githubDeploymentId: number | null;
  artifactRunId: number | null;
  state: DeploymentState;
  error: string | null;
  /** What the release it deployed was built by, when it succeeded and its target said. */
  builtBy: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface TimelineEntry {
  at: number;
  state: DeploymentState;
  message: string;
}

/** How a deployment ended (or that it has not), as a strip of an environment's latest shows it. */
export type DeploymentOutcome = Pick<Deployment, 'id' | 'environmentId' | 'state' | 'sha' | 'createdAt'>;

/** A deployment with its phases, as a history shows it. */
export interface DeploymentWithTimeline extends Deployment {
  timeline: TimelineEntry[];
}

export interface DeploymentDetail extends DeploymentWithTimeline {
  log: string;
}

/** Who may write to an environment's deployments: the holder of its lease, by fencing token. */
export interface Fence {
  lease: string;
  token: number;
}

export interface BeginDeployment {
  environmentId: number;
  generation: number;
  /** null when the ref could not be resolved (the attempt is recorded, then fails). */
  sha: string | null;
  ref: string | null;
  trigger: string | null;
  deliveryId: string | null;
  githubDeploymentId?: number | null;
  artifactRunId?: number | null;
  fence: Fence;
  /** Recorded `waiting` (for a gate) instead of starting; `startDeployment` starts it. */
  waiting?: string;
  /** Recorded only to fail at once (a gate that failed before anything waited): no `waiting` notification. */
  quiet?: boolean;
}

export interface CompleteDeployment {
  id: number;
  state: FinalDeploymentState;
  error: string | null;
  log: string;
  url: string | null;
  /** What the release was built by, as the target said of a success. */
  builtBy?: string | null;
  fence: Fence;
  /** A passing failure (git unreachable): the environment's generation stays to be tried again. */
  retry?: boolean;
  /** The digest of the config it deployed with: a final failure remembers it with the sha (see `Environment.failedSha`). */
  config?: string;
}

/** What a target reports of a running release. */
export interface RuntimeStatus {
  app: string;
  env: string;
  restarts: number;
  lastExit: string | null;
  /** It keeps crashing and is not restarted any more: the environment is `failed`. */
  crashed: boolean;
}
