import type { CrashLoop, FailedDeploy, Route } from '../../domain/routes.js';

/**
 * The slice of the router the process target drives. The router (src/router/) implements
 * it; the target sees only this, so it can be tested without a proxy.
 */
export interface RouteSwitch {
  /** Switches the environment's traffic to `port` on `host` (default 127.0.0.1), atomically. */
  set(app: string, env: string, port: number, host?: string): void;
  /** The first deploy of the environment is under way (building, starting): answer 503 until `set`. */
  starting(app: string, env: string): void;
  /** The first deploy failed, so nothing runs: answer a page saying so, and where its log is, until `starting` or `set`. */
  failed(app: string, env: string, info: FailedDeploy): void;
  /** The release keeps crashing and is not restarted any more: answer a page saying so until `set`. */
  crashed(app: string, env: string, info: CrashLoop): void;
  /** Its release is stopped for idling: a request wakes it, until `set`. */
  sleeping(app: string, env: string): void;
  remove(app: string, env: string): void;
  /** The environment's route now, whoever set it; undefined when it has none. */
  lookup(app: string, env: string): Route | undefined;
  /**
   * Calls `listener` each time another replica sharing the store changes an environment's
   * route (null: removes it). Returns the function that stops the calls.
   */
  followed(listener: (app: string, env: string, route: Route | null) => void): () => void;
  /** The environment's public URL. */
  urlFor(app: string, env: string): string;
  /** Resolves true once no proxied request is in flight to `port` on `host` (default 127.0.0.1), false after `timeoutMs`. */
  drained(port: number, timeoutMs: number, host?: string): Promise<boolean>;
}
