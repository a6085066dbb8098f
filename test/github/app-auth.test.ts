// The GitHub REST API cannot run here: `startFakeGitHub` is a small real HTTP server standing
// in for it (see test/helpers/fake-github.ts). It plays GitHub for a GitHub App installed on
// o/r: the installation lookup (JWT), installation tokens with an expiry, and a repository call.
import assert from 'node:assert/strict';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { createGitHubClients } from '../../src/github/client.js';
import { GitHubError } from '../../src/github/errors.js';
import { createLogger } from '../../src/logger.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

const APP_ID = 4242;
const KEYS = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const log = createLogger({ level: 'silent', pretty: false });

/** The App's claims when `authorization` is `bearer <JWT>` signed with the App's key, else null. */
function appJwt(authorization: string | undefined): { iss: unknown } | null {
  const [scheme, jwt = ''] = (authorization ?? '').split(' ');
  const [header = '', payload = '', signature = ''] = jwt.split('.');
  const verifier = createVerify('RSA-SHA256').update(`${header}.${payload}`);
  if (scheme?.toLowerCase() !== 'bearer' || !verifier.verify(KEYS.publicKey, signature, 'base64url')) return null;
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss: unknown };
}

/** GitHub for an App installed on o/r (installation 77), its tokens living `lifetimeMs`. */
async function appGitHub(t: TestContext, lifetimeMs: number): Promise<FakeGitHub & { tokens: string[] }> {
  const fake = await startFakeGitHub(t);
  const tokens: string[] = [];
  const asApp = (req: { headers: { authorization?: string } }) => appJwt(req.headers.authorization)?.iss === APP_ID;
  fake.on('GET', '/repos/o/r/installation', (req) => (asApp(req) ? { body: { id: 77, account: { login: 'o' } } } : { status: 401, body: { message: 'A JSON web token could not be decoded' } }));
  fake.on('GET', '/app', (req) => (asApp(req) ? { body: { id: APP_ID, slug: 'slipway-test' } } : { status: 401, body: { message: 'bad JWT' } }));
  fake.on('POST', '/app/installations/77/access_tokens', (req) => {
    if (!asApp(req)) return { status: 401, body: { message: 'bad JWT' } };
    tokens.push(`ghs_installationToken${tokens.length + 1}`);
    return { status: 201, body: { token: tokens.at(-1), expires_at: new Date(Date.now() + lifetimeMs).toISOString(), permissions: { deployments: 'write' }, repository_selection: 'all' } };
  });
  fake.on('GET', '/repos/o/r', (req) => (tokens.some((token) => req.headers.authorization === `token ${token}`) ? { body: { full_name: 'o/r' } } : { status: 401, body: { message: 'Bad credentials' } }));
  return Object.assign(fake, { tokens });
}

function appClients(fake: FakeGitHub, tokenRenewalMs = 60_000) {
  return createGitHubClients({ apiUrl: fake.url, auth: { kind: 'app', appId: APP_ID, privateKey: KEYS.privateKey }, log, retries: 0, tokenRenewalMs });
}

test('the App finds the installation once per repository and reuses its token until it is near expiry', async (t) => {
  // Tokens live 2.5 s and are renewed in their last 1.5 s: the first is good for about a second.
  const fake = await appGitHub(t, 2500);
  const github = appClients(fake, 1500);
  assert.equal(github.auth, 'app');
  const get = async () => (await (await github.forRepo('o/r')).rest.repos.get({ owner: 'o', repo: 'r' })).data.full_name;
  assert.equal(await get(), 'o/r');
  assert.equal(await get(), 'o/r');
  assert.equal(await github.gitToken('o/r'), 'ghs_installationToken1', 'git gets the cached installation token');
  assert.deepEqual(fake.calls(/installation|access_tokens/), ['GET /repos/o/r/installation', 'POST /app/installations/77/access_tokens']);
  await sleep(1100);
  assert.equal(await get(), 'o/r');
  assert.equal(await github.gitToken('o/r'), 'ghs_installationToken2');
  assert.deepEqual(fake.tokens, ['ghs_installationToken1', 'ghs_installationToken2']);
  assert.deepEqual(fake.calls(/installation\b/), ['GET /repos/o/r/installation'], 'the installation is looked up once');
  const repoCalls = fake.requests.filter((r) => r.path === '/repos/o/r').map((r) => r.headers.authorization);
  assert.deepEqual(repoCalls, ['token ghs_installationToken1', 'token ghs_installationToken1', 'token ghs_installationToken2']);
});

test('forApp() calls /app endpoints as the App, with a JWT signed by its key', async (t) => {
  const fake = await appGitHub(t, 3_600_000);
  const app = appClients(fake).forApp();
  assert.ok(app !== null);
  const { data } = await app.rest.apps.getAuthenticated();
  assert.equal(data?.slug, 'slipway-test');
  assert.equal(appJwt(fake.requests[0]?.headers.authorization)?.iss, APP_ID);
});

test('a repository the App is not installed on is a clear github_not_found, never leaking the key', async (t) => {
  const fake = await appGitHub(t, 3_600_000);
  const github = appClients(fake);
  const notInstalled = (error: unknown) => {
    assert.ok(error instanceof GitHubError, String(error));
    assert.equal(error.code, 'github_not_found');
    assert.match(error.message, /^the GitHub App is not installed on o\/other; install it/);
    return true;
  };
  await assert.rejects(github.forRepo('o/other'), notInstalled);
  await assert.rejects(github.gitToken('o/other'), notInstalled);
  assert.deepEqual(fake.calls(/installation/), ['GET /repos/o/other/installation', 'GET /repos/o/other/installation'], 'a failed lookup is not cached');

  // A key GitHub does not know: every error names the call, none holds the key or a JWT.
  const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const wrong = createGitHubClients({ apiUrl: fake.url, auth: { kind: 'app', appId: APP_ID, privateKey: other.privateKey }, log, retries: 0 });
  const error = await wrong.forRepo('o/r').catch((e: unknown) => e);
  assert.ok(error instanceof GitHubError && error.code === 'github_unauthorized', String(error));
  assert.match(error.message, /^GitHub refused GET \/repos\/o\/r\/installation \(HTTP 401/);
  const text = `${error.message}\n${String(error.stack)}`;
  const keyBody = other.privateKey.split('\n')[1] ?? '';
  assert.equal(text.includes(keyBody), false, 'the private key is not in the error');
  assert.equal(/eyJ[\w-]+\.eyJ/.test(text), false, 'no JWT is in the error');
});
