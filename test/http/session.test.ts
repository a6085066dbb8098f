import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { SESSION_MS, Sessions } from '../../src/http/session.js';

const withCookie = (value: string) => ({ headers: { cookie: `other=1; slipway_session=${value}; more=2` } }) as unknown as IncomingMessage;

test('a session is the cookie slipway signed: read back until it expires; a forged, altered or other-token cookie is none', () => {
  let now = 1_000_000;
  const sessions = new Sessions('token-a', () => now);
  const value = sessions.issue();
  const session = sessions.fromRequest(withCookie(value));
  assert.ok(session !== null);
  assert.equal(session.expiresAt, 1_000_000 + SESSION_MS);
  assert.ok(sessions.csrfMatches(session, session.csrf));
  assert.equal(sessions.csrfMatches(session, null), false);
  assert.equal(sessions.csrfMatches(session, `${session.csrf.slice(0, -1)}x`), false);

  const [expiry = '', nonce = '', mac = ''] = value.split('.');
  assert.equal(sessions.fromRequest(withCookie(`${Number(expiry) + 1000}.${nonce}.${mac}`)), null, 'a later expiry breaks the signature');
  // Another last character (the MAC's last one is "A" one time in 16).
  assert.equal(sessions.fromRequest(withCookie(`${expiry}.${nonce}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'E' : 'A'}`)), null, 'an altered MAC');
  assert.equal(sessions.fromRequest(withCookie('garbage')), null);
  assert.equal(sessions.fromRequest({ headers: {} } as IncomingMessage), null);
  assert.equal(new Sessions('token-b', () => now).fromRequest(withCookie(value)), null, 'a new API token ends every session');
  // Another session's CSRF token is not this one's.
  const other = sessions.fromRequest(withCookie(sessions.issue()));
  assert.ok(other !== null && !sessions.csrfMatches(session, other.csrf));

  now += SESSION_MS;
  assert.equal(sessions.fromRequest(withCookie(value)), null, 'expired');
});

test('sealed text opens only as it was sealed, with the same token', () => {
  const sessions = new Sessions('token-a');
  const sealed = sessions.seal('{"kind":"notice","text":"done"}');
  assert.equal(sessions.open(sealed), '{"kind":"notice","text":"done"}');
  const [body = ''] = sealed.split('.');
  assert.equal(sessions.open(`${Buffer.from('{"kind":"problem","text":"go to evil"}').toString('base64url')}.${sealed.split('.')[1] ?? ''}`), null);
  assert.equal(sessions.open(body), null);
  assert.equal(new Sessions('token-b').open(sealed), null);
});
