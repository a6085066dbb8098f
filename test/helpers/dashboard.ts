import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { TestContext } from 'node:test';
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

/** A browser's `/ui/events` stream: the topics of each `change` event so far, in order. */
export interface ChangeStream {
  changes: string[][];
  contentType: string;
}

/** Opens the event stream as the dashboard's script does; closed when the test ends. */
export async function followChanges(t: TestContext, url: string, browser: SignedIn): Promise<ChangeStream> {
  const stream: ChangeStream = { changes: [], contentType: '' };
  let text = '';
  const opening = request(`${url}/ui/events`, { headers: { cookie: browser.cookie } });
  t.after(() => opening.destroy());
  await new Promise<void>((resolve, reject) => {
    opening.on('response', (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
          const data = /^event: change\ndata: (.+)$/.exec(text.slice(0, end))?.[1];
          if (data !== undefined) stream.changes.push((JSON.parse(data) as { topics: string[] }).topics);
          text = text.slice(end + 2);
        }
      });
      stream.contentType = String(response.headers['content-type']);
      resolve();
    });
    opening.on('error', reject);
    opening.end();
  });
  return stream;
}
