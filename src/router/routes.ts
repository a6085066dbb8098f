import type { CrashLoop, FailedDeploy, Route, StoredRoute } from '../domain/routes.js';
import type { EnvironmentUse } from '../store/store.js';
import { InFlight } from './in-flight.js';
import { normalizeDomain } from './host.js';

/** Where releases on this machine answer: IPv4 loopback (or every interface). */
const LOOPBACK = '127.0.0.1';

/** After a wake-up failed, requests to that environment get the "could not wake" page this long before another try. */
const WAKE_RETRY_MS = 10_000;

export interface RouteTableOptions {
  /** Environments are served at `<env>.<app>.<domain>`. */
  domain: string;
  /** The router's port, for the URLs `urlFor` gives out. */
  publicPort: number;
  /** False: every request gets 503 until `open()` (while slipway picks up what ran before). Default true. */
  serving?: boolean;
  /** server.publicUrl: a failed deployment's page links to `<publicUrl>/deployments/<id>`. */
  publicUrl?: string | undefined;
}

/**
 * The route table the router reads on every request and the process target writes when a
 * deployment switches: one map lookup per request, so a switch is atomic.
 */
export class RouteTable {
  readonly domain: string;
  readonly #publicUrl: string | null;
  #publicPort: number;
  #serving: boolean;
  readonly #routes = new Map<string, StoredRoute>();
  /** Hears of every route this process sets (not of those it follows): see SharedRoutes. */
  #changed: ((app: string, env: string, route: Route | null) => void) | null = null;
  /** Hear of every route another replica changed (see `follow`). */
  readonly #followers = new Set<(app: string, env: string, route: Route | null) => void>();
  readonly #inFlight = new InFlight();
  /** When a request last reached each environment, since the last `takeUses`. */
  readonly #uses = new Map<string, EnvironmentUse>();
  /** Wakes a sleeping environment (the engine sets it); wake-ups under way, shared by the requests that wait. */
  #waker: ((app: string, env: string) => Promise<void>) | null = null;
  readonly #waking = new Map<string, Promise<void>>();
  /** When waking each environment last failed: requests before WAKE_RETRY_MS passed do not start another try. */
  readonly #wakeFailed = new Map<string, number>();

  constructor(options: RouteTableOptions) {
    this.domain = normalizeDomain(options.domain);
    this.#publicPort = options.publicPort;
    this.#serving = options.serving ?? true;
    this.#publicUrl = options.publicUrl ?? null;
  }

  /** False until slipway has picked up what ran before: until then every request gets 503. */
  get serving(): boolean {
    return this.#serving;
  }

  /** Takes traffic from now on. */
  open(): void {
    this.#serving = true;
  }

  /** The router listens on `port` (known only then when configured as 0, any free port). */
  listening(port: number): void {
    this.#publicPort = port;
  }

  /** Sends the environment's traffic to `port` on `host` from now on (atomic switch; new requests go there). */
  set(app: string, env: string, port: number, host = LOOPBACK): void {
    this.#wakeFailed.delete(key(app, env));
    this.#put(app, env, { kind: 'ready', host, port });
  }

  /** The environment's first deployment is under way: requests get 503 with Retry-After. No-op once it has a port (or crashed there). */
  starting(app: string, env: string): void {
    const kind = this.routeKind(app, env);
    if (kind === 'ready' || kind === 'crashed') return;
    this.#put(app, env, { kind: 'starting' });
  }

  /** Its first deployment failed: requests get a page saying so, and where its log is. No-op once it has a port. */
  failed(app: string, env: string, info: FailedDeploy): void {
    if (this.routeKind(app, env) === 'ready') return;
    this.#put(app, env, { kind: 'failed', deploymentId: info.deploymentId });
  }

  /** Its release keeps crashing and is not restarted any more: requests get a page saying so, until `set`. */
  crashed(app: string, env: string, info: CrashLoop): void {
    this.#put(app, env, { kind: 'crashed', exitCode: info.exitCode, signal: info.signal, restarts: info.restarts });
  }

  /** Its release is stopped for idling: a request wakes it (see `wake`), until `set`. */
  sleeping(app: string, env: string): void {
    this.#put(app, env, { kind: 'sleeping' });
  }

  /** What the environment's route is now (`sleeping`: a request would wake it); undefined when it has none. */
  routeKind(app: string, env: string): Route['kind'] | undefined {
    return this.lookup(app, env)?.kind;
  }

  /** How the router wakes a sleeping environment: the engine starts its release, under its lease. */
  setWaker(waker: (app: string, env: string) => Promise<void>): void {
    this.#waker = waker;
  }

  /**
   * Wakes the environment (one wake-up however many requests ask); resolves once its route
   * is ready, rejects when it could not be woken.
   */
  wake(app: string, env: string): Promise<void> {
    const name = key(app, env);
    const under = this.#waking.get(name);
    if (under !== undefined) return under;
    const waker = this.#waker;
    if (waker === null) return Promise.reject(new Error('nothing can wake environments yet: slipway is starting'));
    // Anyone can send requests: a release that cannot start is not started again for each of them.
    const failedAt = this.#wakeFailed.get(name);
    if (failedAt !== undefined && Date.now() - failedAt < WAKE_RETRY_MS) return Promise.reject(new Error('waking it failed moments ago'));
    const waking = waker(app, env)
      .then(() => void this.#wakeFailed.delete(name), (error: unknown) => {
        this.#wakeFailed.set(name, Date.now());
        throw error;
      })
      .finally(() => this.#waking.delete(name));
    this.#waking.set(name, waking);
    return waking;
  }

  /** For the router: a request reached the environment now. */
  used(app: string, env: string): void {
    this.#uses.set(key(app, env), { app, env, at: Date.now() });
  }

  /** The requests' last times per environment since the last call (for the store), and forgets them. */
  takeUses(): EnvironmentUse[] {
    const uses = [...this.#uses.values()];
    this.#uses.clear();
    return uses;
  }

  /** Stops routing the environment: its host answers 404 again. */
  remove(app: string, env: string): void {
    this.#routes.delete(key(app, env));
    this.#changed?.(app, env, null);
  }

  lookup(app: string, env: string): Route | undefined {
    return this.#routes.get(key(app, env))?.route;
  }

  /** Every environment's route. */
  list(): StoredRoute[] {
    return [...this.#routes.values()];
  }

  /** Tells `listener` of every route this process sets or removes from now on (one listener). */
  onChange(listener: (app: string, env: string, route: Route | null) => void): void {
    this.#changed = listener;
  }

  /** Takes a route another replica set (null: removed) without telling the change listener; tells the followers when it changed. */
  follow(app: string, env: string, route: Route | null): void {
    if (JSON.stringify(this.lookup(app, env) ?? null) === JSON.stringify(route)) return;
    if (route === null) this.#routes.delete(key(app, env));
    else this.#routes.set(key(app, env), { app, env, route });
    for (const listener of this.#followers) listener(app, env, route);
  }

  followed(listener: (app: string, env: string, route: Route | null) => void): () => void {
    this.#followers.add(listener);
    return () => void this.#followers.delete(listener);
  }

  #put(app: string, env: string, route: Route): void {
    this.#routes.set(key(app, env), { app, env, route });
    this.#changed?.(app, env, route);
  }

  /** `http://<env>.<app>.<domain>:<publicPort>/` (the port is left out when it is 80). */
  urlFor(app: string, env: string): string {
    return `http://${env}.${app}.${this.domain}${this.#publicPort === 80 ? '' : `:${this.#publicPort}`}/`;
  }

  /** The page of deployment `id` on slipway's server, when server.publicUrl says where that is. */
  deploymentUrl(id: number): string | null {
    return this.#publicUrl === null ? null : `${this.#publicUrl}/deployments/${id}`;
  }

  /**
   * Resolves once no request this router proxies to `port` on `host` is in flight (or after
   * `timeoutMs`); resolves to true when it drained. Requests other replicas' routers proxy
   * there are not counted.
   */
  drained(port: number, timeoutMs: number, host = LOOPBACK): Promise<boolean> {
    return this.#inFlight.drained(address(host, port), timeoutMs);
  }

  /**
   * For the router: an HTTP request is being proxied to `port` on `host`. Call `end` exactly
   * once when its response finished or either side closed. WebSocket connections are not counted.
   */
  begin(host: string, port: number): void {
    this.#inFlight.begin(address(host, port));
  }

  /** For the router: the request counted by `begin(host, port)` is over. */
  end(host: string, port: number): void {
    this.#inFlight.end(address(host, port));
  }
}

function address(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** An environment's key in the table (and in SharedRoutes): names are DNS labels, so a dot cannot occur in either. */
export function key(app: string, env: string): string {
  return `${env}.${app}`;
}
