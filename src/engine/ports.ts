import type { EnvironmentConfig, TargetConfig } from '../config/schema.js';
import type { Target } from '../targets/target.js';

/** What the engine counts; `metrics.ts` makes these and `/metrics` serves them. */
export interface EngineMetrics {
  dispatched: { inc(labels: { event: string; status: string }): void };
  dispatchLagSeconds: { observe(seconds: number): void };
  /** Deployments finished, by outcome (success, failure, error, inactive). */
  deployments: { inc(labels: { outcome: string }): void };
  /** From the webhook that asked for a change to its deployment starting. */
  deployStartSeconds: { observe(seconds: number): void };
  /** Sleeping environments woken by a request, by outcome (woken, failed). */
  wakes: { inc(labels: { outcome: string }): void };
  wakeSeconds: { observe(seconds: number): void };
}

/** What the live environments of one remote need kept in its mirror (see GitSource.tidy). */
export interface MirrorNeeds {
  remoteUrl: string;
  /** Full refs environments follow. */
  refs: readonly string[];
  /** Commits environments run or are pinned to. */
  shas: readonly string[];
}

/** The slice of source/ the engine uses: resolve refs, check shas out into worktrees, and keep the mirrors to what is needed. */
export interface SourcePort {
  /** `signal` (the deployment's) stops git: the call rejects with code `aborted`. */
  resolve(remoteUrl: string, ref: string, options?: { signal?: AbortSignal }): Promise<string>;
  checkout(remoteUrl: string, ref: string, sha: string, dir: string, options?: { signal?: AbortSignal }): Promise<void>;
  remove(dir: string): Promise<void>;
  tidy(needs: readonly MirrorNeeds[], options?: { signal?: AbortSignal }): Promise<unknown>;
}

export interface ArtifactRequest {
  /** `owner/name` */
  repo: string;
  runId: number;
  /** The artifact's name in the run. */
  name: string;
  /** Where to unpack it; created, and removed again when the artifact cannot be used. */
  dir: string;
  signal: AbortSignal;
}

/** Workflow run artifacts: downloaded from GitHub and unpacked safely into a folder. */
export interface ArtifactPort {
  fetch(request: ArtifactRequest): Promise<void>;
}

/** What the engine needs to know of a configured app. */
export interface AppRuntime {
  name: string;
  /** `owner/name` on GitHub: CI signals and artifacts are looked up under it. */
  repo: string;
  remoteUrl: string;
  target: Target;
  /** The target's settings from the config (`target:`), which the target was made or last reconfigured with. */
  settings: TargetConfig;
  /** Extra environment variables for its commands (may hold secrets: never logged). */
  vars: Record<string, string>;
  /** Names in `vars` marked secret: a fork's preview never gets them. */
  secretVars: readonly string[];
  /** Its configured environments: gates, rollback and artifacts come from here. */
  environments: readonly EnvironmentConfig[];
}
