import { InFlight } from './in-flight.js';
import { normalizeDomain } from './host.js';

/** Where an environment's traffic goes: a port on this machine, or nowhere yet (first deployment). */
export type Route = { kind: 'ready'; port: number } | { kind: 'starting' };

export interface RouteTableOptions {
  /** Environments are served at `<env>.<app>.<domain>`. */
  domain: string;
  /** The router's port, for the URLs `urlFor` gives out. */
  publicPort: number;
  /** False: every request gets 503 until `open()` (while slipway picks up what ran before). Default true. */
  serving?: boolean;
}

/**
 * The route table the router reads on every request and the process target writes when a
 * deployment switches: one map lookup per request, so a switch is atomic.
 */
export class RouteTable {
  readonly domain: string;
  #publicPort: number;
  #serving: boolean;
  readonly #routes = new Map<string, Route>();
  readonly #inFlight = new InFlight();

  constructor(options: RouteTableOptions) {
    this.domain = normalizeDomain(options.domain);
    this.#publicPort = options.publicPort;
    this.#serving = options.serving ?? true;
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
    this.#routes.set(key(app, env), { kind: 'ready', port });
  }

  /** The environment's first deployment is under way: requests get 503 with Retry-After. No-op if it already has a port. */
  starting(app: string, env: string): void {
    if (this.#routes.has(key(app, env))) return;
    this.#routes.set(key(app, env), { kind: 'starting' });
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
