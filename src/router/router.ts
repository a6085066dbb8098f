import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { SlipwayError } from '../errors.js';
import { capConnections, timeoutOptions, type ListenerLimits } from '../listener-limits.js';
import type { Logger } from '../logger.js';
import { parseHost } from './host.js';
import { badRequestPage, crashedPage, failedPage, notFoundPage, sendPage, startingPage, wakingPage, writePage, type Page, type PageEnvironment } from './pages.js';
import { createBackendProxy, type Backend } from './proxy.js';
import { requestAuthority } from './request-target.js';
import type { RouteTable } from './routes.js';
import { holdWhileWaking } from './waking.js';

export interface RouterOptions {
  host: string;
  port: number;
  routes: RouteTable;
  log: Logger;
  /** Connection cap and idle timeouts; long-lived responses and WebSockets are not cut by them. */
  limits: ListenerLimits;
  /** A connection over the cap was closed. */
  onRefused: () => void;
}

/** node's default: the whole of a request (an upload to an environment) must arrive within this. */
const REQUEST_TIMEOUT_MS = 300_000;

export interface Router {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** An environment that sleeps: the request waits while it wakes. */
interface Asleep {
  asleep: PageEnvironment;
}

/** Where a request goes: an environment's process, a page the router answers itself, or a sleeping environment to wake. */
function resolve(request: IncomingMessage, routes: RouteTable): Backend | Page | Asleep {
  const asked = requestAuthority(request);
  if ('refused' in asked) return badRequestPage(asked.refused);
  const { host } = asked;
  if (!routes.serving) return startingPage();
  const target = parseHost(host, routes.domain);
  const route = target === undefined ? undefined : routes.lookup(target.app, target.env);
  if (target === undefined || route === undefined) return notFoundPage(host);
  if (route.kind === 'ready' || route.kind === 'sleeping') routes.used(target.app, target.env);
  switch (route.kind) {
    case 'sleeping':
      return { asleep: target };
    case 'starting':
      return startingPage();
    case 'failed':
      return failedPage(target, route.deploymentId, routes.deploymentUrl(route.deploymentId));
    case 'crashed':
      return crashedPage(target, route);
    case 'ready':
      return { ...target, host: route.host, port: route.port };
  }
}

function isPage(where: Backend | Page): where is Page {
  return 'status' in where;
}

/** Where the request goes once a sleeping environment is awake (a page when it could not be woken in time). */
async function afterWaking(request: IncomingMessage, routes: RouteTable, where: Backend | Page | Asleep): Promise<Backend | Page> {
  if (!('asleep' in where)) return where;
  const outcome = await holdWhileWaking(request, routes, where.asleep);
  if (outcome !== 'awake') return outcome;
  const again = resolve(request, routes);
  return 'asleep' in again ? wakingPage() : again;
}

/**
 * The second listener: serves each environment at `<env>.<app>.<domain>` by proxying to the
 * port the route table names when the request arrives. Bodies stream both ways.
 */
export async function startRouter(options: RouterOptions): Promise<Router> {
  const { routes, log } = options;
  const proxy = createBackendProxy(log);
  const upgraded = new Set<Duplex>();

  const forward = (request: IncomingMessage, response: ServerResponse, where: Backend | Page) => {
    if (isPage(where)) return sendPage(response, where);
    // In flight from here until the response is over, whichever way it ends ('close' always fires).
    routes.begin(where.host, where.port);
    response.once('close', () => routes.end(where.host, where.port));
    proxy.web(request, response, where);
  };

  const server = createServer(timeoutOptions(options.limits, REQUEST_TIMEOUT_MS), (request, response) => {
    const where = resolve(request, routes);
    if (!('asleep' in where)) return forward(request, response, where);
    void afterWaking(request, routes, where).then((found) => {
      // The client may have gone while it waited.
      if (!response.destroyed) forward(request, response, found);
    });
  });

  capConnections(server, options.limits, options.onRefused);

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    void afterWaking(request, routes, resolve(request, routes)).then((where) => {
      if (socket.destroyed) return;
      if (isPage(where)) return writePage(socket, where);
      // WebSockets are not counted in flight: a socket open for hours must not hold up a switch.
      proxy.ws(request, socket, head, where);
    });
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => {
      server.off('error', fail);
      done();
    });
  }).catch((error: unknown) => {
    proxy.close();
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new SlipwayError(
      'router_listen_failed',
      `the router cannot listen on ${options.host}:${options.port} (${code}); free that port or configure another router port`,
      { cause: error },
    );
  });

  const { port } = server.address() as AddressInfo;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  let closing: Promise<void> | undefined;
  const close = () =>
    new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
      // Upgraded sockets are no longer the HTTP server's to close.
      for (const socket of upgraded) socket.destroy();
      proxy.close();
    });
  return {
    port,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    close: () => (closing ??= close()),
  };
}
