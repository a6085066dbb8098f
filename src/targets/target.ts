/**
 * A target runs environments: it deploys a checked-out sha as one environment of one app,
 * tears it down, and says what it runs. The engine sees only this interface; `command/`
 * runs user commands, `process/` (local processes behind the router) and `kubernetes/`
 * (a namespace per environment) implement it the same way.
 *
 * Every target:
 * - is idempotent: `apply` twice with the same request is one deployment, and `destroy`
 *   of an environment it does not run succeeds and changes nothing;
 * - lists what it runs (`list`), so the orphan sweep can destroy what the store does not
 *   know; a target serves one app (each app has its own, made from its config) and lists
 *   that app's environments only;
 * - stops promptly when the request's `signal` fires: it stops and cleans up what it
 *   started, then rejects with a `SlipwayError` whose code is `TARGET_CANCELLED`;
 * - rejects a failed deployment with a `SlipwayError` whose message reads well in the
 *   deployment's record (`deploy command exited with code 3`).
 *
 * `app` and `env` are slugged DNS labels (`[a-z0-9-]`, at most 63 characters). Payload
 * text (`ref`, `branch`, `event`) is data: a target may put it in environment variables
 * or labels, never in shell text or a path.
 */

/** The `code` of the error a target rejects with when its request's signal fired. */
export const TARGET_CANCELLED = 'target_cancelled';

export interface DeployRequest {
  app: string;
  env: string;
  /** The commit deployed, and the ref it was resolved from (`refs/heads/main`, `refs/pull/7/head`). */
  sha: string;
  ref: string;
  pr: number | null;
  branch: string | null;
  /** What triggered it: `push`, `pull_request.synchronize`, `cli.deploy`… */
  event: string;
  deploymentId: number;
  /** The worktree of `sha`, checked out by `source/`. */
  workdir: string;
  /** Extra environment variables from config. May hold secrets: never logged. */
  vars: Record<string, string>;
  /** The deployment's log; `text` is output as it comes (lines end with `\n`). */
  log: (text: string) => void;
  /** Fires when the deployment is cancelled (superseded, shutdown): stop and clean up. */
  signal: AbortSignal;
  /**
   * Whether the deployment certainly still holds its environment's lease, asked just before
   * traffic switches to the new release: a replica paused past its lease must not switch what
   * another replica now deploys (the store's fence guards the store's rows, not the routes).
   * Absent: nothing to ask (a target driven outside the engine).
   */
  holdsLease?: () => boolean;
}

/** The code a target rejects with when its deployment no longer held its lease at the switch. */
export const TARGET_LEASE_LOST = 'target_lease_lost';

export interface DeployResult {
  /** Where the environment answers, when the target knows. */
  url: string | null;
  /**
   * What the release was built by, shown by `slipway env`: `manifest slipway.app.yaml`,
   * `Procfile web + package.json (npm ci)`, `Dockerfile`; absent when the target cannot say.
   */
  builtBy?: string;
}

export interface DestroyRequest {
  app: string;
  env: string;
  /**
   * A worktree of the sha last deployed, when the engine has one (a target that needs its
   * files, like a relative destroy command, fails clearly without it).
   */
  workdir: string | null;
  vars: Record<string, string>;
  log: (text: string) => void;
  signal: AbortSignal;
}

/** An environment a target runs. */
export interface RunningEnvironment {
  app: string;
  env: string;
  /** The sha last deployed, when the target knows it (to check out a worktree for `destroy`). */
  sha: string | null;
}

/** What `logs` is asked for. */
export interface LogOptions {
  /** How many of the last lines written to start with (0: none). */
  lines: number;
  /** Then pass on new output as it comes, until the release ends (replaced, stopped, destroyed) or `signal` fires. */
  follow: boolean;
  signal: AbortSignal;
}

export interface Target {
  /** The config `type` that made it: `command`, `process`, `kubernetes`. */
  readonly type: string;
  apply(request: DeployRequest): Promise<DeployResult>;
  destroy(request: DestroyRequest): Promise<void>;
  /** Every environment of its app this target runs (deployed, or being deployed, and not destroyed). */
  list(): Promise<RunningEnvironment[]>;
  /** At start, before traffic is taken: pick up what runs from before (adopt it or start it again). */
  recover?(): Promise<void>;
  /** At stop: stop what it runs (a target whose environments live outside slipway has nothing to do). */
  close?(): Promise<void>;
  /**
   * The runtime output (stdout and stderr) of the environment's release, for a target that
   * runs one (process, docker): text as written, whole characters. Resolves once the output
   * is found; rejects with a SlipwayError of status 404 when there is none to read.
   */
  logs?(app: string, env: string, options: LogOptions): Promise<AsyncIterable<string>>;
  /**
   * For a target that runs the release itself (process, docker): stops the environment's
   * release for idling, keeping what it needs to start it again (worktree, build, image);
   * the router answers its requests by waking it. Resolves false when nothing runs to stop.
   */
  sleep?(app: string, env: string): Promise<boolean>;
  /**
   * Starts a sleeping environment's release again and routes to it once healthy; rejects when
   * it cannot. Resolves false when it runs no release of the environment here (on a shared
   * store, another replica put it to sleep).
   */
  wake?(app: string, env: string, signal: AbortSignal): Promise<boolean>;
}

/** What a target reports of an environment's running process (process target). */
export interface RuntimeReport {
  app: string;
  env: string;
  state: 'running' | 'restarting' | 'crashed';
  restarts: number;
  lastExitCode: number | null;
  lastSignal: string | null;
}
