import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { InputError } from '../errors.js';
import { capConnections, timeoutOptions, type ListenerLimits } from '../listener-limits.js';
import type { Logger } from '../logger.js';
import { checkAccess, type AccessRule } from './access.js';
import { sendError } from './respond.js';

type Handler = (request: IncomingMessage, response: ServerResponse, url: URL, ...params: string[]) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST';
  /** A literal path, or a pattern whose groups become handler parameters. */
  path: string | RegExp;
  /** Private routes (/api, /metrics, /deployments) follow the API access rule (access.ts). */
  private?: boolean;
  /** Answers only what no other route matches (the dashboard's page for an unknown address). */
  fallback?: boolean;
  handler: Handler;
}

export interface HttpServerOptions {
  routes: Route[];
  log: Logger;
  /** What private routes require. */
  access: AccessRule;
  /** Connection cap and idle timeouts of the listener. */
  limits: ListenerLimits;
  /** A connection over the cap was closed. */
  onRefused: () => void;
}

/** The whole of a request (a webhook body of up to 25 MiB included) must arrive within this. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * slipway's HTTP listener: a small route table on node:http (the webhook path is hot, so no
 * framework sits in it), JSON errors everywhere, including for requests node rejects itself.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const { routes, log, access } = options;
  const server = createServer(timeoutOptions(options.limits, REQUEST_TIMEOUT_MS), (request, response) => {
    const url = new URL(request.url ?? '/', 'http://slipway.invalid');
    const handle = async () => {
      const matching = (fallback: boolean) => routes
        .filter((route) => (route.fallback ?? false) === fallback)
        .map((route) => ({ route, params: match(route.path, url.pathname) }))
        .filter((candidate) => candidate.params !== null);
      const matches = matching(false);
      if (matches.length === 0) {
        const fallback = matching(true).find((candidate) => candidate.route.method === request.method);
        if (fallback === undefined) throw new InputError('not_found', `nothing at ${url.pathname}`, 404);
        return fallback.route.handler(request, response, url);
      }
      const found = matches.find((candidate) => candidate.route.method === request.method);
      if (found === undefined) {
        response.setHeader('allow', [...new Set(matches.map((candidate) => candidate.route.method))].join(', '));
        throw new InputError('method_not_allowed', `${request.method ?? ''} is not allowed here`, 405);
      }
      if (found.route.private) checkAccess(request, access);
      await found.route.handler(request, response, url, ...(found.params ?? []));
    };
    handle().catch((error: unknown) => {
      if (!(error instanceof InputError)) log.error({ err: error, path: url.pathname }, 'request failed');
      if (!response.headersSent) sendError(response, error);
      else response.destroy();
    });
  });
  capConnections(server, options.limits, options.onRefused);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const [status, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are too large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'the request took too long']
          : [400, 'the request is not valid HTTP'];
    const body = JSON.stringify({ error: { code: 'bad_http', message } });
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

function match(path: string | RegExp, pathname: string): string[] | null {
  if (typeof path === 'string') return path === pathname ? [] : null;
  const result = path.exec(pathname);
  if (result === null) return null;
  try {
    return result.slice(1).map((part) => decodeURIComponent(part));
  } catch {
    throw new InputError('bad_path', 'the path is not valid percent-encoding', 400);
  }
}
