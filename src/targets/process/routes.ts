/**
 * The slice of the router the process target drives. The router (src/router/) implements
 * it; the target sees only this, so it can be tested without a proxy.
 */
export interface RouteSwitch {
  /** Switches the environment's traffic to `port`, atomically. */
  set(app: string, env: string, port: number): void;
  /** The first deploy of the environment is under way (building, starting): answer 503 until `set`. */
  starting(app: string, env: string): void;
  /** The first deploy failed, so nothing runs: answer a page saying so, and where its log is, until `starting` or `set`. */
  failed(app: string, env: string, info: FailedDeploy): void;
  /** The release keeps crashing and is not restarted any more: answer a page saying so until `set`. */
  crashed(app: string, env: string, info: CrashLoop): void;
  /** Its release is stopped for idling: a request wakes it, until `set`. */
  sleeping(app: string, env: string): void;
  remove(app: string, env: string): void;
  /** The environment's public URL. */
  urlFor(app: string, env: string): string;
  /** Resolves true once no proxied request is in flight to `port`, false after `timeoutMs`. */
  drained(port: number, timeoutMs: number): Promise<boolean>;
}

/** A first deployment that failed. Its error is not given: it may quote the app's output, and the page is public. */
export interface FailedDeploy {
  deploymentId: number;
}

/** How a release that keeps crashing last ended. */
export interface CrashLoop {
  exitCode: number | null;
  signal: string | null;
  restarts: number;
}
