import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { InputError, SlipwayError } from '../errors.js';
import { BodyTooLargeError, mediaTypeOf, readBody } from '../ingest/body.js';
import { html, type Html } from '../ui/html.js';
import { layout, type Flash, type Section, type Viewer } from '../ui/layout.js';
import { isCrossSite, sameSecret, type AccessRule } from './access.js';
import { cookie, type Sessions } from './session.js';

/** Who may see the dashboard and act in it. */
export interface DashboardAccess extends AccessRule {
  sessions: Sessions;
  /** ui.public: read-only pages need no session. */
  publicPages: boolean;
}

/** A page request that passed the access rule. */
export interface PageRequest {
  request: IncomingMessage;
  url: URL;
  viewer: Viewer;
}

/** A page: its title, section and body; the layout is added around it. */
export interface PageContent {
  title: string;
  section: Section | null;
  body: Html;
}

/** An action request that passed the access rule and the CSRF check, with its form fields. */
export interface ActionRequest {
  form: URLSearchParams;
  viewer: Viewer;
}

/** Where an action leads (a path on this server) and what it says there. */
export interface ActionOutcome {
  to: string;
  notice: string;
}

type Handler = (request: IncomingMessage, response: ServerResponse, url: URL, ...params: string[]) => Promise<void>;

const FLASH_COOKIE = 'slipway_flash';
/** Forms are a few fields. */
const MAX_FORM_BYTES = 64 * 1024;

/** Headers of every dashboard answer: no caching, no framing, scripts and styles from slipway only. */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/**
 * Who is looking: a session, else the API token as a bearer (scripts), else a reader of public
 * pages when ui.public allows; null when none of these.
 */
export function viewerOf(request: IncomingMessage, access: DashboardAccess): Viewer | null {
  const session = access.sessions.fromRequest(request);
  if (session !== null) return { csrf: session.csrf, canAct: true };
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined && sameSecret(bearer, access.apiToken)) return { csrf: null, canAct: false };
  return access.publicPages ? { csrf: null, canAct: false } : null;
}

/**
 * A read-only page: shown to a viewer (see viewerOf); anyone else is sent to the login form,
 * which brings them back here. Errors are pages too.
 */
export function pageRoute(access: DashboardAccess, render: (page: PageRequest, ...params: string[]) => Promise<PageContent>): Handler {
  return async (request, response, url, ...params) => {
    const viewer = viewerOf(request, access);
    if (viewer === null) {
      const next = `${url.pathname}${url.search}`;
      return redirect(response, `/login${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`);
    }
    const flash = takeFlash(request, response, access.sessions);
    try {
      const content = await render({ request, url, viewer }, ...params);
      sendPage(response, 200, layout({ ...content, viewer, flash }));
    } catch (error) {
      sendErrorPage(response, error, viewer);
    }
  };
}

/**
 * An action: a form POST from a signed-in browser on this site carrying the session's CSRF
 * token. It goes where the action leads with a one-time notice; an action the request cannot
 * do (a 4xx) goes back to `back` with the reason. Refusals of the rule itself are error pages.
 */
export function actionRoute(access: DashboardAccess, back: (...params: string[]) => string, act: (action: ActionRequest, ...params: string[]) => Promise<ActionOutcome>): Handler {
  return async (request, response, _url, ...params) => {
    const anonymous: Viewer = { csrf: null, canAct: false };
    try {
      if (isCrossSite(request, access.publicUrl)) throw new InputError('cross_site', 'actions are taken only from slipway\'s own pages', 403);
      const session = access.sessions.fromRequest(request);
      if (session === null) throw new InputError('unauthorized', 'sign in to act: your session is missing or has expired', 401);
      const form = await readForm(request);
      if (!access.sessions.csrfMatches(session, form.get('_csrf'))) {
        throw new InputError('csrf', 'the form is missing its CSRF token or it is out of date; reload the page and try again', 403);
      }
      const viewer: Viewer = { csrf: session.csrf, canAct: true };
      const done = await act({ form, viewer }, ...params).catch((error: unknown) => {
        if (error instanceof SlipwayError && error.status < 500) return { to: back(...params), problem: error.message };
        throw error;
      });
      const flash: Flash = 'notice' in done ? { kind: 'notice', text: done.notice } : { kind: 'problem', text: done.problem };
      setFlash(request, response, access, flash);
      redirect(response, done.to);
    } catch (error) {
      sendErrorPage(response, error, anonymous);
    }
  };
}

/** The form fields of an urlencoded body; anything else is refused. */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  if (mediaTypeOf(request.headers) !== 'application/x-www-form-urlencoded') {
    throw new InputError('unsupported_media_type', 'dashboard forms are sent as application/x-www-form-urlencoded', 415);
  }
  const body = await readBody(request, MAX_FORM_BYTES).catch((error: unknown) => {
    if (error instanceof BodyTooLargeError) throw new InputError('payload_too_large', `the form is larger than ${MAX_FORM_BYTES} bytes`, 413);
    throw error;
  });
  return new URLSearchParams(body.toString('utf8'));
}

/**
 * A local path to go to after a login; anything else goes to the board: another site, `//host`,
 * `/\\host`, and any whitespace or control character (browsers drop tabs and newlines from URLs,
 * which would turn `/<tab>/host` into `//host`).
 */
export function localPath(text: string | null): string {
  return text !== null && /^\/(?![/\\])[\x21-\x7e]*$/.test(text) ? text : '/';
}

/** The request came over https, directly or as the public URL says. */
export function isSecure(request: IncomingMessage, publicUrl: string | undefined): boolean {
  return (request.socket as Partial<TLSSocket>).encrypted === true || publicUrl?.startsWith('https:') === true;
}

export function sendPage(response: ServerResponse, status: number, page: Html, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page.text), ...PAGE_HEADERS, ...headers });
  response.end(page.text);
}

export function redirect(response: ServerResponse, to: string): void {
  response.writeHead(303, { location: to, 'content-length': 0, ...PAGE_HEADERS });
  response.end();
}

/** A static asset with an ETag, so a browser asks again cheaply. */
export function assetRoute(type: string, text: string): Handler {
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"`;
  return async (request, response) => {
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, { etag });
      return void response.end();
    }
    response.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(text), etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    response.end(text);
  };
}

/** Errors as pages: what went wrong and a way on; a 500 reveals nothing. */
export function sendErrorPage(response: ServerResponse, error: unknown, viewer: Viewer): void {
  if (response.headersSent) return void response.destroy();
  const known = error instanceof SlipwayError;
  const status = known ? error.status : 500;
  const message = known ? error.message : 'slipway failed to handle the request; see its log';
  const signIn = status === 401 ? html`<p><a href="/login">Sign in</a></p>` : html`<p><a href="/">Back to the environments</a></p>`;
  const body = html`<h1>${status === 404 ? 'Not found' : status === 401 ? 'Sign in needed' : status === 403 ? 'Refused' : 'Cannot do that'}</h1><p role="alert">${message}</p>${signIn}`;
  sendPage(response, status, layout({ title: 'Error', section: null, viewer, body }));
}

function setFlash(request: IncomingMessage, response: ServerResponse, access: DashboardAccess, flash: Flash): void {
  const value = access.sessions.seal(JSON.stringify(flash));
  response.setHeader('set-cookie', `${FLASH_COOKIE}=${value}; Path=/; Max-Age=60; HttpOnly; SameSite=Strict${isSecure(request, access.publicUrl) ? '; Secure' : ''}`);
}

/** The one-time message an action left (signed: a site sharing the domain cannot plant one), cleared as it is read. */
function takeFlash(request: IncomingMessage, response: ServerResponse, sessions: Sessions): Flash | null {
  const value = cookie(request, FLASH_COOKIE);
  if (value === null) return null;
  response.setHeader('set-cookie', `${FLASH_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`);
  const text = sessions.open(value);
  if (text === null) return null;
  try {
    const flash = JSON.parse(text) as Partial<Flash>;
    if ((flash.kind === 'notice' || flash.kind === 'problem') && typeof flash.text === 'string') return { kind: flash.kind, text: flash.text.slice(0, 500) };
  } catch {
    // Not what slipway sealed: nothing to show.
  }
  return null;
}
