import { Agent, ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from '../logger.js';
import { badGatewayPage, sendPage, writePage } from './pages.js';

/** An environment's release, as a request is sent to it: on this machine, IPv4 loopback (or every interface). */
export interface Backend {
  app: string;
  env: string;
  host: string;
  port: number;
}

/**
 * Idle backend connections are dropped before node's default 5 s keep-alive timeout drops them
 * under a request (node lowers this further when a backend announces `Keep-Alive: timeout=N`).
 */
const IDLE_BACKEND_MS = 4_000;

export interface BackendProxy {
  web(request: IncomingMessage, response: ServerResponse, backend: Backend): void;
  ws(request: IncomingMessage, socket: Duplex, head: Buffer, backend: Backend): void;
  /** Drops the idle pooled connections to backends. */
  close(): void;
}

/**
 * http-proxy-3 set up for the router: X-Forwarded-* headers, pooled keep-alive connections
 * for HTTP, a 502 page when a backend cannot be reached, and one debug line per failure.
 */
export function createBackendProxy(log: Logger): BackendProxy {
  const agent = new Agent({ keepAlive: true, timeout: IDLE_BACKEND_MS });
  const proxy = createProxyServer({ xfwd: true });
  const backends = new WeakMap<IncomingMessage, Backend>();
  const failed = (request: IncomingMessage, code: string | undefined, reason: string) => {
    const backend = backends.get(request);
    log.debug({ app: backend?.app, env: backend?.env, port: backend?.port, code, reason }, 'proxy error');
  };

  proxy.on('error', (error: NodeJS.ErrnoException, request, client) => {
    failed(request, error.code, error.message);
    if (client instanceof ServerResponse) {
      if (client.headersSent) client.destroy();
      else sendPage(client, badGatewayPage());
    } else if (client.bytesWritten === 0) writePage(client, badGatewayPage());
    else client.destroy();
  });

  proxy.on('proxyRes', (proxyRes, request, response) => {
    // Connection is hop-by-hop: the client's answer follows the client's own request (http-proxy
    // fills it in from there once the backend's is gone), not how the backend treats our pool.
    delete proxyRes.headers.connection;
    // A backend that dies mid-response would otherwise leave the client waiting for the rest.
    proxyRes.once('close', () => {
      if (proxyRes.complete) return;
      failed(request, 'ECONNRESET', 'the backend closed the connection before the response was complete');
      response.destroy();
    });
  });

  return {
    web(request, response, backend) {
      backends.set(request, backend);
      // The client's Connection header is about its own hop: a client that closes after one
      // request must not close our pooled connection to the backend too.
      proxy.web(request, response, { target: { host: backend.host, port: backend.port }, agent, headers: { connection: 'keep-alive' } });
    },
    ws(request, socket, head, backend) {
      backends.set(request, backend);
      // A connection of its own (no agent): an upgraded socket never returns to a pool.
      proxy.ws(request, socket, head, { target: { host: backend.host, port: backend.port } });
    },
    close: () => agent.destroy(),
  };
}
