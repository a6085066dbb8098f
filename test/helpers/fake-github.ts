// The GitHub REST API cannot run here. `startFakeGitHub` starts a small real HTTP server on
// 127.0.0.1 that stands in for it: tests register the answers (`on`), and it records every
// request it gets (method, path, query, headers, JSON body) so a test can assert the exact
// sequence of calls slipway made.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { TestContext } from 'node:test';

export interface FakeRequest {
  method: string;
  /** The path without the query: /repos/acme/web/deployments */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

export interface FakeAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Answers a request whose method and path matched; `match` holds the pattern's groups. */
export type FakeHandler = (req: FakeRequest, match: RegExpExecArray) => FakeAnswer | Promise<FakeAnswer>;

export interface FakeGitHub {
  /** http://127.0.0.1:<port>: give it as github.apiUrl. */
  url: string;
  requests: FakeRequest[];
  /** Answers `METHOD path` (a string is matched exactly, a RegExp against the whole path); later registrations win. */
  on(method: string, path: string | RegExp, handler: FakeHandler): void;
  /** The requests so far as `METHOD /path` lines, optionally only those whose line matches. */
  calls(filter?: RegExp): string[];
}

export async function startFakeGitHub(t: TestContext): Promise<FakeGitHub> {
  const handlers: { method: string; path: RegExp; handler: FakeHandler }[] = [];
  const requests: FakeRequest[] = [];
  const server = createServer((req, res) => void answer(req, res));

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake-github');
    let body: unknown;
    try {
      body = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      body = text;
    }
    const request: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
    requests.push(request);
    for (const entry of [...handlers].reverse()) {
      const match = entry.method === request.method ? entry.path.exec(request.path) : null;
      if (match === null) continue;
      try {
        const out = await entry.handler(request, match);
        return send(res, out.status ?? 200, out.body, out.headers);
      } catch (error) {
        return send(res, 500, { message: `fake GitHub handler failed: ${(error as Error).message}` });
      }
    }
    send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    on(method, path, handler) {
      const pattern = typeof path === 'string' ? new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : new RegExp(`^(?:${path.source})$`);
      handlers.push({ method, path: pattern, handler });
    },
    calls(filter) {
      const lines = requests.map((r) => `${r.method} ${r.path}`);
      return filter === undefined ? lines : lines.filter((line) => filter.test(line));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined || status === 204 || status === 304) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
