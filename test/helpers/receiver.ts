// A receiver of notifications as chat services and HTTP endpoints are: a small real HTTP server
// on 127.0.0.1 that records every request (headers and raw body) and answers as the test says
// (a status, a body, headers, after a delay).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  at: number;
}

export interface ReceiverAnswer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer only after this long (a slow receiver). */
  delayMs?: number;
}

/** Answers the `index`-th request (0-based). */
export type Answering = (request: Received, index: number) => ReceiverAnswer;

export interface Receiver {
  /** http://127.0.0.1:<port>/<path> */
  url: string;
  port: number;
  received: Received[];
  /** The delivery ids received, in order. */
  deliveries(): string[];
  /** The JSON bodies received, in order. */
  bodies(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts a receiver on `port` (0: any free port), closed after the test. */
export async function startReceiver(t: TestContext, answering: Answering = () => ({}), options: { port?: number; path?: string } = {}): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(request);
      const answer = answering(request, received.length - 1);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? 'ok');
      };
      if (answer.delayMs === undefined) send();
      else setTimeout(send, answer.delayMs).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.after(close);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.path ?? '/hook'}`,
    port,
    received,
    deliveries: () => received.map((request) => String(request.headers['x-slipway-delivery'])),
    bodies: () => received.map((request) => JSON.parse(request.body) as Record<string, unknown>),
    close,
  };
}
