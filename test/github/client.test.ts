// The GitHub REST API cannot run here: `startFakeGitHub` is a small real HTTP server standing
// in for it (see test/helpers/fake-github.ts). These tests drive the token client through it:
// conditional requests, rate limits, metrics and errors.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createGitHubClients, type GitHubClientOptions } from '../../src/github/client.js';
import { GitHubError } from '../../src/github/errors.js';
import { createMetrics } from '../../src/metrics.js';
import { createLogger } from '../../src/logger.js';
import type { Store } from '../../src/store/store.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

const TOKEN = 'ghp_clientTestT0ken0123456789abcdef';
const log = createLogger({ level: 'silent', pretty: false });

function clients(fake: { url: string }, options: Partial<GitHubClientOptions> = {}) {
  return createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: TOKEN }, log, retries: 0, ...options });
}

/** `GET /repos/o/r` answers with ETag "v1" and a 304 when asked with it. */
function servesRepoWithEtag(fake: FakeGitHub): void {
  fake.on('GET', '/repos/o/r', (req) =>
    req.headers['if-none-match'] === '"v1"'
      ? { status: 304, headers: { etag: '"v1"', 'x-ratelimit-remaining': '4999', 'x-ratelimit-resource': 'core' } }
      : { body: { full_name: 'o/r', default_branch: 'main' }, headers: { etag: '"v1"', 'x-ratelimit-remaining': '4998', 'x-ratelimit-resource': 'core' } },
  );
}

const rejectsWith = (code: string, message: RegExp) => (error: unknown) => {
  assert.ok(error instanceof GitHubError, `expected a GitHubError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.match(error.message, message);
  assert.equal(`${error.message}\n${String(error.stack)}`.includes(TOKEN), false, 'the token is not in the error');
  return true;
};

test('a token client calls GitHub with the token, the API version and a slipway user agent', async (t) => {
  const fake = await startFakeGitHub(t);
  fake.on('GET', '/repos/o/r', () => ({ body: { full_name: 'o/r' } }));
  const github = clients(fake);
  assert.equal(github.auth, 'token');
  assert.equal(github.forApp(), null);
  assert.equal(await github.gitToken('o/r'), TOKEN);
  const { data } = await (await github.forRepo('o/r')).rest.repos.get({ owner: 'o', repo: 'r' });
  assert.equal(data.full_name, 'o/r');
  const [request] = fake.requests;
  assert.equal(request?.headers.authorization, `token ${TOKEN}`);
  assert.equal(request?.headers['x-github-api-version'], '2022-11-28');
  assert.match(request?.headers['user-agent'] ?? '', /^slipway /);
});

test('a repeated GET is conditional: GitHub answers 304 and the caller gets the first body', async (t) => {
  const fake = await startFakeGitHub(t);
  servesRepoWithEtag(fake);
  const octokit = await clients(fake).forRepo('o/r');
  const first = await octokit.rest.repos.get({ owner: 'o', repo: 'r' });
  first.data.default_branch = 'changed by the caller';
  const second = await octokit.rest.repos.get({ owner: 'o', repo: 'r' });
  assert.equal(second.status, 200);
  assert.deepEqual(second.data, { full_name: 'o/r', default_branch: 'main' }, 'the cached body, untouched by what the caller did to the first');
  assert.deepEqual(fake.requests.map((r) => r.headers['if-none-match']), [undefined, '"v1"']);
  // Another credential does not get this one's cached answers.
  const other = createGitHubClients({ apiUrl: fake.url, auth: { kind: 'token', token: 'ghp_another' }, log });
  await (await other.forRepo('o/r')).rest.repos.get({ owner: 'o', repo: 'r' });
  assert.equal(fake.requests[2]?.headers['if-none-match'], undefined);
});

test('metrics count every request by method and status and show the remaining quota', async (t) => {
  const fake = await startFakeGitHub(t);
  servesRepoWithEtag(fake);
  fake.on('POST', '/repos/o/r/statuses/abc', () => ({ status: 201, body: {}, headers: { 'x-ratelimit-remaining': '4990', 'x-ratelimit-resource': 'core' } }));
  fake.on('GET', '/search/issues', () => ({ body: { items: [] }, headers: { 'x-ratelimit-remaining': '29', 'x-ratelimit-resource': 'search' } }));
  // Only these metrics are read here: the store behind the others is never asked.
  const metrics = createMetrics({} as Store);
  const octokit = await clients(fake, { metrics }).forRepo('o/r');
  await octokit.rest.repos.get({ owner: 'o', repo: 'r' });
  await octokit.rest.repos.get({ owner: 'o', repo: 'r' });
  await octokit.rest.repos.createCommitStatus({ owner: 'o', repo: 'r', sha: 'abc', state: 'success' });
  await octokit.rest.search.issuesAndPullRequests({ q: 'x' });
  await assert.rejects(octokit.rest.repos.get({ owner: 'o', repo: 'missing' }), rejectsWith('github_not_found', /^GET \/repos\/o\/missing found nothing \(HTTP 404: GitHub said "Not Found"\)/));
  const requests = await metrics.registry.getSingleMetricAsString('slipway_github_requests_total');
  for (const line of ['{method="GET",status="200"} 2', '{method="GET",status="304"} 1', '{method="POST",status="201"} 1', '{method="GET",status="404"} 1']) {
    assert.ok(requests.includes(`slipway_github_requests_total${line}`), `${line} in\n${requests}`);
  }
  const remaining = await metrics.registry.getSingleMetricAsString('slipway_github_rate_limit_remaining');
  assert.match(remaining, /slipway_github_rate_limit_remaining\{resource="core"\} 4990/);
  assert.match(remaining, /slipway_github_rate_limit_remaining\{resource="search"\} 29/);
});

/** Answers `GET /repos/o/r` with `limited` first, then normally; returns when each request came. */
function limitedOnce(fake: FakeGitHub, limited: { status: number; headers: Record<string, string> }): number[] {
  const times: number[] = [];
  fake.on('GET', '/repos/o/r', () => (times.push(Date.now()) === 1 ? { ...limited, body: { message: 'API rate limit exceeded' } } : { body: { full_name: 'o/r' } }));
  return times;
}

test('a 429 with retry-after is waited out and the call succeeds', async (t) => {
  const fake = await startFakeGitHub(t);
  const times = limitedOnce(fake, { status: 429, headers: { 'retry-after': '1' } });
  const { data } = await (await clients(fake).forRepo('o/r')).rest.repos.get({ owner: 'o', repo: 'r' });
  assert.equal(data.full_name, 'o/r');
  assert.equal(times.length, 2);
  assert.ok((times[1] ?? 0) - (times[0] ?? 0) >= 1000 - 5, 'the second request waited the second GitHub asked for');
});

test('a 403 with x-ratelimit-remaining 0 waits until x-ratelimit-reset and succeeds', async (t) => {
  const fake = await startFakeGitHub(t);
  const reset = String(Math.ceil(Date.now() / 1000) + 1);
  const times = limitedOnce(fake, { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } });
  const { data } = await (await clients(fake).forRepo('o/r')).rest.repos.get({ owner: 'o', repo: 'r' });
  assert.equal(data.full_name, 'o/r');
  assert.equal(times.length, 2);
  assert.ok((times[1] ?? 0) >= Number(reset) * 1000, 'the second request went after the reset');
});

test('a wait longer than the maximum fails at once with github_rate_limited', async (t) => {
  const fake = await startFakeGitHub(t);
  const times = limitedOnce(fake, { status: 429, headers: { 'retry-after': '120' } });
  const octokit = await clients(fake, { maxRateLimitWaitMs: 60_000 }).forRepo('o/r');
  await assert.rejects(octokit.rest.repos.get({ owner: 'o', repo: 'r' }), rejectsWith('github_rate_limited', /^GitHub rate-limited GET \/repos\/o\/r \(HTTP 429: GitHub said "API rate limit exceeded"\), retry after 120 s; try again later$/));
  assert.equal(times.length, 1);
});

test('errors name the call and are GitHubError codes, never quoting the token', async (t) => {
  const fake = await startFakeGitHub(t);
  // GitHub's message echoes the credentials, so a message quoting it would leak the token.
  fake.on('GET', '/repos/o/r', (req) => ({ status: 401, body: { message: `Bad credentials: ${String(req.headers.authorization)}` } }));
  fake.on('GET', '/repos/o/broken', () => ({ status: 502, body: { message: 'Server Error' } }));
  fake.on('POST', '/repos/o/r/statuses/abc', () => ({ status: 422, body: { message: 'Validation Failed' } }));
  const octokit = await clients(fake).forRepo('o/r');
  await assert.rejects(octokit.rest.repos.get({ owner: 'o', repo: 'r' }), rejectsWith('github_unauthorized', /^GitHub refused GET \/repos\/o\/r \(HTTP 401: GitHub said "Bad credentials: token \[redacted\]"\)/));
  await assert.rejects(octokit.rest.repos.get({ owner: 'o', repo: 'broken' }), rejectsWith('github_unavailable', /^GET \/repos\/o\/broken failed with HTTP 502/));
  await assert.rejects(
    octokit.rest.repos.createCommitStatus({ owner: 'o', repo: 'r', sha: 'abc', state: 'success' }),
    rejectsWith('github_invalid_response', /^POST \/repos\/o\/r\/statuses\/abc answered with unexpected HTTP 422: GitHub said "Validation Failed"/),
  );
});

test('a GitHub that cannot be reached is github_unavailable, retried first', async (t: TestContext) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  const octokit = await clients({ url: `http://127.0.0.1:${port}` }, { retries: 1 }).forRepo('o/r');
  await assert.rejects(octokit.rest.repos.get({ owner: 'o', repo: 'r' }), rejectsWith('github_unavailable', /^GET \/repos\/o\/r failed: ECONNREFUSED; try again later$/));
  const fake = await startFakeGitHub(t);
  let calls = 0;
  fake.on('GET', '/repos/o/r', () => (calls++ === 0 ? { status: 503, body: { message: 'busy' } } : { body: { full_name: 'o/r' } }));
  const { data } = await (await clients(fake, { retries: 1 }).forRepo('o/r')).rest.repos.get({ owner: 'o', repo: 'r' });
  assert.equal(data.full_name, 'o/r');
  assert.equal(fake.calls().length, 2);
});
