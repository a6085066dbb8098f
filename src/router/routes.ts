import type { CrashLoop, FailedDeploy } from '../targets/process/routes.js';
import type { EnvironmentUse } from '../store/store.js';
import { InFlight } from './in-flight.js';
import { normalizeDomain } from './host.js';

/**
 * Where an environment's traffic goes: a port on this machine; nowhere yet (its first
 * deployment is under way); nowhere because that first deployment failed; nowhere any more
 * because its release keeps crashing; or nowhere while it sleeps (a request wakes it).
 */
export type Route =
  | { kind: 'ready'; port: number }
  | { kind: 'starting' }
  | { kind: 'sleeping' }
  | ({ kind: 'failed' } & FailedDeploy)
  | ({ kind: 'crashed' } & CrashLoop);

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
  readonly #routes = new Map<string, Route>();
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

  /** Sends the environment's traffic to `port` from now on (atomic switch; new requests go there). */
  set(app: string, env: string, port: number): void {
    this.#wakeFailed.delete(key(app, env));
    this.#routes.set(key(app, env), { kind: 'ready', port });
  }

  /** The environment's first deployment is under way: requests get 503 with Retry-After. No-op once it has a port (or crashed there). */
  starting(app: string, env: string): void {
    const kind = this.#routes.get(key(app, env))?.kind;
    if (kind === 'ready' || kind === 'crashed') return;
    this.#routes.set(key(app, env), { kind: 'starting' });
  }

  /** Its first deployment failed: requests get a page saying so, and where its log is. No-op once it has a port. */
  failed(app: string, env: string, info: FailedDeploy): void {
    if (this.#routes.get(key(app, env))?.kind === 'ready') return;
    this.#routes.set(key(app, env), { kind: 'failed', deploymentId: info.deploymentId });
  }

  /** Its release keeps crashing and is not restarted any more: requests get a page saying so, until `set`. */
  crashed(app: string, env: string, info: CrashLoop): void {
    this.#routes.set(key(app, env), { kind: 'crashed', exitCode: info.exitCode, signal: info.signal, restarts: info.restarts });
  }

  /** Its release is stopped for idling: a request wakes it (see `wake`), until `set`. */
  sleeping(app: string, env: string): void {
    this.#routes.set(key(app, env), { kind: 'sleeping' });
  }

  /** What the environment's route is now (`sleeping`: a request would wake it); undefined when it has none. */
  routeKind(app: string, env: string): Route['kind'] | undefined {
    return this.#routes.get(key(app, env))?.kind;
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
  }

  lookup(app: string, env: string): Route | undefined {
    return this.#routes.get(key(app, env));
  }

  /** `http://<env>.<app>.<domain>:<publicPort>/` (the port is left out when it is 80). */
  urlFor(app: string, env: string): string {
    return `http://${env}.${app}.${this.domain}${this.#publicPort === 80 ? '' : `:${this.#publicPort}`}/`;
  }

  /** The page of deployment `id` on slipway's server, when server.publicUrl says where that is. */
  deploymentUrl(id: number): string | null {
    return this.#publicUrl === null ? null : `${this.#publicUrl}/deployments/${id}`;
  }

  /** Resolves once no proxied request to `port` is in flight (or after `timeoutMs`); resolves to true when it drained. */
  drained(port: number, timeoutMs: number): Promise<boolean> {
    return this.#inFlight.drained(port, timeoutMs);
  }

  /**
   * For the router: an HTTP request is being proxied to `port`. Call `end(port)` exactly once
   * when its response finished or either side closed. WebSocket connections are not counted.
   */
  begin(port: number): void {
    this.#inFlight.begin(port);
  }

  /** For the router: the request counted by `begin(port)` is over. */
  end(port: number): void {
    this.#inFlight.end(port);
  }
}

/** Environment and app names are DNS labels, so a dot cannot occur in either. */
function key(app: string, env: string): string {
  return `${env}.${app}`;
}
