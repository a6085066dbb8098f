import type { IncomingMessage } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { wakeFailedPage, wakingPage, type Page, type PageEnvironment } from './pages.js';
import type { RouteTable } from './routes.js';

/** A browser that has waited this long for a sleeping environment gets the "waking up" page (it reloads itself). */
const BROWSER_PATIENCE_MS = 1000;
/** Other clients (APIs, curl, WebSockets) are held this long, then get 503 with Retry-After. */
const CLIENT_PATIENCE_MS = 60_000;

/** A page load: a GET that asks for HTML. */
function fromBrowser(request: IncomingMessage): boolean {
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

/**
 * Holds a request to a sleeping environment while it wakes: resolves to 'awake' once its
 * route is ready (the request is then served as any other), or to the page to answer with:
 * "waking up" when the client's patience ran out first, "could not wake" when waking failed.
 */
export async function holdWhileWaking(request: IncomingMessage, routes: RouteTable, where: PageEnvironment): Promise<'awake' | Page> {
  const patience = new AbortController();
  const woke = routes.wake(where.app, where.env).then(
    () => 'awake' as const,
    () => wakeFailedPage(where),
  );
  const waited = delay(fromBrowser(request) ? BROWSER_PATIENCE_MS : CLIENT_PATIENCE_MS, wakingPage(), { signal: patience.signal }).catch(() => wakingPage());
  try {
    return await Promise.race([woke, waited]);
  } finally {
    patience.abort();
  }
}
