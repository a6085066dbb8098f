import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The dashboard's session cookie. */
export const SESSION_COOKIE = 'slipway_session';
/** How long a login lasts. */
export const SESSION_MS = 12 * 60 * 60_000;

/** A signed-in browser. `csrf` goes into every form it is shown and must come back with each action. */
export interface Session {
  nonce: string;
  expiresAt: number;
  csrf: string;
}

/**
 * Dashboard sessions, kept in the browser rather than in slipway: a cookie `<expiry>.<nonce>.<mac>`
 * signed with a key derived from the API token. Any replica holding the same token accepts it,
 * a restart keeps it, and a new API token ends every session. The CSRF token is derived from the
 * session, so it needs no storage either.
 */
export class Sessions {
  private readonly key: Buffer;

  constructor(apiToken: string, private readonly now: () => number = Date.now) {
    this.key = createHmac('sha256', apiToken).update('slipway dashboard sessions v1').digest();
  }

  /** A new session's cookie value. */
  issue(): string {
    const expiresAt = this.now() + SESSION_MS;
    const nonce = randomBytes(18).toString('base64url');
    return `${expiresAt}.${nonce}.${this.mac(`${expiresAt}.${nonce}`)}`;
  }

  /** The session a request's cookie carries, when it is genuine and not expired. */
  fromRequest(request: IncomingMessage): Session | null {
    const value = cookie(request, SESSION_COOKIE);
    const match = value === null ? null : /^([0-9]{1,15})\.([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (match === null) return null;
    const [, expiry = '', nonce = '', mac = ''] = match;
    if (!same(mac, this.mac(`${expiry}.${nonce}`))) return null;
    const expiresAt = Number(expiry);
    if (expiresAt <= this.now()) return null;
    return { nonce, expiresAt, csrf: this.mac(`csrf.${nonce}`) };
  }

  /** The form's token is the session's own. */
  csrfMatches(session: Session, given: string | null): boolean {
    return given !== null && same(given, session.csrf);
  }

  /** `text` with a signature, for a cookie another site of the same domain must not be able to forge. */
  seal(text: string): string {
    const body = Buffer.from(text).toString('base64url');
    return `${body}.${this.mac(`seal.${body}`)}`;
  }

  /** What `seal` sealed, or null for anything else. */
  open(value: string): string | null {
    const [body = '', mac = '', ...rest] = value.split('.');
    if (rest.length > 0 || !same(mac, this.mac(`seal.${body}`))) return null;
    return Buffer.from(body, 'base64url').toString('utf8');
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

/** A cookie's value from the request's Cookie header, or null. */
export function cookie(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

/** The Set-Cookie header that stores `value` (an empty value with max-age 0 ends the session). */
export function sessionCookie(value: string, secure: boolean): string {
  const maxAge = value === '' ? 0 : Math.floor(SESSION_MS / 1000);
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
