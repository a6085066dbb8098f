import assert from 'node:assert/strict';
import { send, type Answer } from './webhook.js';

/** A browser signed in to a test slipway's dashboard: its session cookie and the CSRF token its forms carry. */
export interface SignedIn {
  cookie: string;
  csrf: string;
  /** A GET with the session, as a browser on the dashboard sends it. */
  get(path: string, headers?: Record<string, string>): Promise<Answer>;
  /** A form POST with the session and the CSRF token (unless `fields` sets `_csrf` itself). */
  post(path: string, fields?: Record<string, string>): Promise<Answer>;
}

/** Signs in with the API token through the login form, as a person would. */
export async function signIn(service: { url: string; apiToken: string }): Promise<SignedIn> {
  const login = await send(`${service.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: service.apiToken }).toString() });
  assert.equal(login.status, 303, login.body);
  const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
  const cookie = setCookie.map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith('slipway_session='));
  assert.ok(cookie !== undefined, `a session cookie: ${setCookie.join(' | ')}`);
  const get = (path: string, headers: Record<string, string> = {}) => send(`${service.url}${path}`, { method: 'GET', headers: { ...headers, cookie } });
  // Every page a signed-in browser sees carries the token in its sign-out form; an error page too.
  const page = await get('/deployments/0');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(csrf !== undefined, page.body);
  const post = (path: string, fields: Record<string, string> = {}) =>
    send(`${service.url}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    });
  return { cookie, csrf, get, post };
}
