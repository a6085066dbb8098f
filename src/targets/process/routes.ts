/**
 * The slice of the router the process target drives. The router (src/router/) implements
 * it; the target sees only this, so it can be tested without a proxy.
 */
export interface RouteSwitch {
  /** Switches the environment's traffic to `port`, atomically. */
  set(app: string, env: string, port: number): void;
  /** The first deploy of the environment is under way: answer 503 until `set`. */
  starting(app: string, env: string): void;
  remove(app: string, env: string): void;
  /** The environment's public URL. */
  urlFor(app: string, env: string): string;
  /** Resolves true once no proxied request is in flight to `port`, false after `timeoutMs`. */
  drained(port: number, timeoutMs: number): Promise<boolean>;
}
