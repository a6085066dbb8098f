import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import type { Normalized } from '../events/normalize.js';
import { InputError } from '../errors.js';
import type { ChangeFeed } from '../store/changes.js';
import type { Store } from '../store/store.js';
import { CLIENT_SCRIPT } from '../ui/client-script.js';
import { layout, type Viewer } from '../ui/layout.js';
import { loginPage } from '../ui/login-page.js';
import { STYLES } from '../ui/styles.js';
import { isCrossSite, sameSecret } from './access.js';
import { boardRoutes } from './board-page.js';
import { assetRoute, isSecure, localPath, readForm, redirect, sendErrorPage, sendPage, viewerOf, type DashboardAccess } from './dashboard.js';
import { deliveryPageRoutes } from './delivery-pages.js';
import type { EnvironmentActions } from './environment-actions.js';
import { environmentPageRoutes } from './environment-page.js';
import type { LogSources } from './logs-route.js';
import { overviewPageRoutes } from './overview-page.js';
import type { Route } from './server.js';
import { sessionCookie } from './session.js';

export interface DashboardOptions {
  config: Config;
  store: Store;
  access: DashboardAccess;
  /** What the store's writes changed: the pages' live updates. */
  changes: ChangeFeed;
  /** The same changes the JSON API makes. */
  actions: EnvironmentActions;
  /** Hands a replayed delivery to the dispatcher. */
  requeued: (id: string, normalized: Normalized) => void;
  logs: LogSources;
}

/** A wrong token waits this long before the answer, so guessing is slow. */
const WRONG_TOKEN_DELAY_MS = 500;
/** A comment line keeps idle event streams open through proxies. */
const HEARTBEAT_MS = 25_000;

/** The dashboard: its pages, its actions, signing in and out, its assets and its live updates. */
export function dashboardRoutes(options: DashboardOptions): Route[] {
  const { access } = options;
  return [
    { method: 'GET', path: '/login', handler: loginFormRoute(access) },
    { method: 'POST', path: '/login', handler: loginRoute(access) },
    { method: 'POST', path: '/logout', handler: logoutRoute(access) },
    { method: 'GET', path: '/ui/app.css', handler: assetRoute('text/css; charset=utf-8', STYLES) },
    { method: 'GET', path: '/ui/app.js', handler: assetRoute('text/javascript; charset=utf-8', CLIENT_SCRIPT) },
    { method: 'GET', path: '/ui/events', handler: eventsRoute(access, options.changes, options.logs.stopping) },
    ...boardRoutes(access, options.config, options.store),
    ...environmentPageRoutes(access, options.config, options.store, options.actions),
    ...deliveryPageRoutes({ config: options.config, store: options.store, access, requeued: options.requeued }),
    ...overviewPageRoutes(access, options.store),
    { method: 'GET', path: /^\/(?!api\/)/, fallback: true, handler: notFoundRoute(access) },
  ];
}

/** An address nothing serves: a page for a browser, JSON for anything else. */
function notFoundRoute(access: DashboardAccess) {
  return (request: IncomingMessage, response: ServerResponse, url: URL): void => {
    const error = new InputError('not_found', `nothing at ${url.pathname}`, 404);
    if (!(request.headers.accept ?? '').includes('text/html')) throw error;
    sendErrorPage(response, error, viewerOf(request, access) ?? { csrf: null, canAct: false });
  };
}

function loginFormRoute(access: DashboardAccess) {
  return (request: IncomingMessage, response: ServerResponse, url: URL): void => {
    const next = localPath(url.searchParams.get('next'));
    if (access.sessions.fromRequest(request) !== null) return redirect(response, next);
    sendPage(response, 200, layout({ title: 'Sign in', section: null, viewer: { csrf: null, canAct: false }, body: loginPage(next, null) }));
  };
}

/** POST /login with the API token: a session cookie, then back where the browser was going. */
function loginRoute(access: DashboardAccess) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const anonymous: Viewer = { csrf: null, canAct: false };
    try {
      if (isCrossSite(request, access.publicUrl)) throw new InputError('cross_site', 'sign in from slipway\'s own login page', 403);
      const form = await readForm(request);
      const next = localPath(form.get('next'));
      const token = form.get('token') ?? '';
      if (token === '' || !sameSecret(token, access.apiToken)) {
        await sleep(WRONG_TOKEN_DELAY_MS);
        const page = layout({ title: 'Sign in', section: null, viewer: anonymous, body: loginPage(next, 'That is not the API token.') });
        return sendPage(response, 401, page);
      }
      response.setHeader('set-cookie', sessionCookie(access.sessions.issue(), isSecure(request, access.publicUrl)));
      redirect(response, next);
    } catch (error) {
      sendErrorPage(response, error, anonymous);
    }
  };
}

/** POST /logout (with the CSRF token, so another page cannot sign you out): the cookie is cleared. */
function logoutRoute(access: DashboardAccess) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const session = access.sessions.fromRequest(request);
      const form = await readForm(request);
      if (session !== null && !access.sessions.csrfMatches(session, form.get('_csrf'))) {
        throw new InputError('csrf', 'the form is missing its CSRF token or it is out of date; reload the page and try again', 403);
      }
      response.setHeader('set-cookie', sessionCookie('', isSecure(request, access.publicUrl)));
      redirect(response, '/login');
    } catch (error) {
      sendErrorPage(response, error, { csrf: null, canAct: false });
    }
  };
}

/**
 * GET /ui/events — server-sent events: `change` with `{topics}` (environments, deployments,
 * deliveries) shortly after the store changed; pages fetch themselves again when it concerns them.
 */
function eventsRoute(access: DashboardAccess, changes: ChangeFeed, stopping: AbortSignal) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    if (viewerOf(request, access) === null) return sendErrorPage(response, new InputError('unauthorized', 'sign in to follow changes', 401), { csrf: null, canAct: false });
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    response.write('retry: 3000\n\n');
    const unsubscribe = changes.subscribe((topics) => response.write(`event: change\ndata: ${JSON.stringify({ topics })}\n\n`));
    const heartbeat = setInterval(() => response.write(': still here\n\n'), HEARTBEAT_MS);
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      stopping.removeEventListener('abort', end);
      response.end();
    };
    stopping.addEventListener('abort', end);
    response.once('close', end);
    if (stopping.aborted) end();
  };
}
