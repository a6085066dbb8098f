import { createServer, request, type IncomingHttpHeaders, type OutgoingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Writable, type Duplex } from 'node:stream';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import type { ListenerLimits } from '../../src/listener-limits.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { RouteTable } from '../../src/router/routes.js';
import { startRouter, type Router } from '../../src/router/router.js';

// Backends here are real HTTP servers on 127.0.0.1, standing in for environment processes.

export async function listen(t: TestContext, server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => sockets.add(socket.once('close', () => sockets.delete(socket))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    // Upgraded sockets too: closeAllConnections() leaves those alone.
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

/** What an echo backend received, as it answers it. */
export interface Echo {
  name: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A backend that answers 201 with what it received, as JSON, and `x-backend: <name>`. */
export async function echoBackend(t: TestContext, name: string): Promise<number> {
  return backend(t, echo(name));
}

export function echo(name: string): RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: Echo = { name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      res.writeHead(201, { 'content-type': 'application/json', 'x-backend': name });
      res.end(JSON.stringify(received));
    });
  };
}

export async function backend(t: TestContext, handler: RequestListener): Promise<number> {
  return listen(t, createServer(handler));
}

/**
 * A stand-in for a WebSocket server (node 20 has none built in): answers the handshake with 101,
 * then echoes raw bytes. `upgrades` holds the handshake requests it got.
 */
export async function socketEchoBackend(t: TestContext) {
  const server = createServer();
  const upgrades: IncomingHttpHeaders[] = [];
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    upgrades.push(req.headers);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
  });
  return { port: await listen(t, server), upgrades };
}

/** A WebSocket handshake through the router: the 101 and its socket, or the status it got instead. */
export function openSocket(port: number, host: string): Promise<{ status: number; socket?: Duplex }> {
  const headers = { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/socket', headers })
      .on('upgrade', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }))
      .on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      })
      .on('error', reject)
      .end();
  });
}

/** A port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The router's listener options in tests: the config's default timeouts, a cap no test reaches. */
export const LISTENER = {
  limits: { maxConnections: 1000, headersTimeoutMs: 20_000, keepAliveTimeoutMs: 5_000 } as ListenerLimits,
  onRefused: () => undefined,
};

/** A router on a free port with its own route table, closed after the test. */
export async function testRouter(
  t: TestContext,
  options: { domain?: string; log?: Logger; limits?: Partial<ListenerLimits>; onRefused?: () => void; publicUrl?: string } = {},
) {
  const routes = new RouteTable({ domain: options.domain ?? 'localhost', publicPort: 8081, publicUrl: options.publicUrl });
  const log = options.log ?? createLogger({ level: 'silent', pretty: false });
  const limits = { ...LISTENER.limits, ...options.limits };
  const router: Router = await startRouter({ host: '127.0.0.1', port: 0, routes, log, limits, onRefused: options.onRefused ?? LISTENER.onRefused });
  t.after(() => router.close(), { timeout: 5000 });
  return { routes, router };
}

/** A debug logger whose JSON lines land in `lines`. */
export function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request to the router at 127.0.0.1:`port` that says `Host: <host>`. */
export function ask(port: number, host: string, path = '/', init: { method?: string; headers?: OutgoingHttpHeaders; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: { host, ...init.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * Writes `text` as is on a new connection to 127.0.0.1:`port` (without ending it: a client that
 * half-closes is a client that left) and reads until the server closes it, or until what was read
 * matches `until`.
 */
export function rawExchange(port: number, text: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let read = '';
    socket.on('data', (chunk: Buffer) => {
      read += chunk.toString();
      if (until?.test(read)) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(read));
  });
}
