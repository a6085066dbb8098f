import type { Logger } from '../../logger.js';
import type { Backoff } from '../supervisor.js';
import type { Workspace } from '../workspace.js';
import type { RouteSwitch } from './routes.js';

/** The `process` target's config: `target: { type: process, manifest: slipway.app.yaml, stopGrace: 10s }`. */
export interface ProcessTargetConfig {
  type: 'process';
  /**
   * The app's manifest, relative to the root of the worktree; null when not configured:
   * `slipway.app.yaml` when the repository has one, else the app is detected (detect/).
   */
  manifest: string | null;
  /** Between SIGTERM and SIGKILL, and the longest wait for in-flight requests (default 10 s). */
  stopGraceMs: number;
  /** Whom builds and releases run as when slipway runs as root (see run-as.ts). */
  user?: string | undefined;
  /** A release's log file is rotated once it passes this size. */
  logMaxBytes: number;
  /** Rotated log files kept per release (`<log>.1` is the newest). */
  logFiles: number;
  /** A build running longer is stopped, with every process it started, and its deployment fails. */
  buildTimeoutMs: number;
}

export const PROCESS_STATES = ['running', 'restarting', 'crashed'] as const;

/** A change in an environment's process, reported through `onStatus`. */
export interface ProcessStatus {
  app: string;
  env: string;
  state: (typeof PROCESS_STATES)[number];
  /** Restarts since the environment was last deployed. */
  restarts: number;
  lastExitCode: number | null;
  lastSignal: string | null;
}

export interface ProcessTargetContext {
  /** The app this target deploys (each app has its own target, made from its own config). */
  app: string;
  /** `<dataDir>/targets/process`, shared by the process targets of all apps. */
  stateDir: string;
  routes: RouteSwitch;
  /** Where builds and releases run, with what environment, as whom. */
  workspace: Workspace;
  log: Logger;
  onStatus?: (status: ProcessStatus) => void;
  /** Restart timing; tests shorten it. */
  backoff?: Backoff;
  /** How often release logs are checked for rotation (default 10 s); tests shorten it. */
  logCheckMs?: number;
  /** How long a destroyed environment's last release log stays readable (default a day); tests shorten it. */
  keepDestroyedLogsMs?: number;
  /** How long a shared build no release uses is kept (default an hour); tests shorten it. */
  keepUnusedBuildsMs?: number;
}
