// The GitHub REST API cannot run here. `fakeGitHub` starts a small real HTTP server on
// 127.0.0.1 that stands in for it (the run's artifact list; an artifact's zip URL answered
// with a 302, as GitHub does) and a second one, on another port and so another origin, that
// stands in for the blob storage the 302 points to. Both record the requests they get.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { downloadRunArtifact } from '../../src/github/artifacts.js';
import { createGitHubClients, type GitHubClientOptions } from '../../src/github/client.js';
import { download } from '../../src/github/download.js';
import { GitHubError } from '../../src/github/errors.js';
import { unpackZip } from '../../src/source/artifacts.js';
import { createLogger } from '../../src/logger.js';
import { tempDir } from '../helpers/temp.js';
import { makeZip } from '../helpers/zip.js';

const TOKEN = 'ghs_t0kenThatMustNeverLeak1234567890';
const log = createLogger({ level: 'silent', pretty: false });

/** A client for acme/web with no retries and no waiting out rate limits: each answer is final. */
function client(apiUrl: string, options: Partial<GitHubClientOptions> = {}) {
  return createGitHubClients({ apiUrl, auth: { kind: 'token', token: TOKEN }, log, retries: 0, maxRateLimitWaitMs: 0, ...options }).forRepo('acme/web');
}
const SIGNATURE = 'sig=signed-url-secret';

interface FakeArtifact {
  id: number;
  name: string;
  zip: Buffer;
  expired?: boolean;
  createdAt?: string;
  /** size_in_bytes in the list, when it should differ from the zip's. */
  listedSize?: number;
  /** Blob storage sends the zip in chunks without a Content-Length. */
  chunked?: boolean;
}

interface Recorded {
  url: string;
  headers: IncomingHttpHeaders;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(t: TestContext, handler: Handler): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/**
 * GitHub for repository acme/web, run 123, holding `artifacts`. `answer` may take a request
 * first (return true) to play an error or a redirect loop.
 */
async function fakeGitHub(t: TestContext, artifacts: FakeArtifact[], answer?: (req: IncomingMessage, res: ServerResponse) => boolean) {
  const blob = await serve(t, (req, res) => {
    const artifact = artifacts.find((a) => req.url === `/blob/${a.id}?${SIGNATURE}`);
    if (artifact === undefined) return json(res, 403, { message: 'signature mismatch' });
    if (!artifact.chunked) {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': artifact.zip.length });
      return res.end(artifact.zip);
    }
    res.writeHead(200, { 'content-type': 'application/zip' });
    for (let at = 0; at < artifact.zip.length; at += 64 * 1024) res.write(artifact.zip.subarray(at, at + 64 * 1024));
    res.end();
  });
  const api = await serve(t, (req, res) => {
    if (answer?.(req, res)) return;
    if (req.headers.authorization !== `token ${TOKEN}`) return json(res, 401, { message: 'Bad credentials' });
    const url = new URL(req.url ?? '', 'http://localhost');
    if (url.pathname === '/repos/acme/web/actions/runs/123/artifacts') {
      const name = url.searchParams.get('name');
      const listed = artifacts.filter((a) => name === null || a.name === name);
      return json(res, 200, {
        total_count: listed.length,
        artifacts: listed.map((a) => ({
          id: a.id,
          name: a.name,
          size_in_bytes: a.listedSize ?? a.zip.length,
          archive_download_url: `http://${req.headers.host}/repos/acme/web/actions/artifacts/${a.id}/zip`,
          expired: a.expired ?? false,
          created_at: a.createdAt ?? '2024-05-01T10:00:00Z',
          expires_at: '2024-08-01T10:00:00Z',
        })),
      });
    }
    const download = /^\/repos\/acme\/web\/actions\/artifacts\/(\d+)\/zip$/.exec(url.pathname);
    if (download !== null) {
      res.writeHead(302, { location: `${blob.url}/blob/${download[1]}?${SIGNATURE}` });
      return res.end();
    }
    json(res, 404, { message: 'Not Found' });
  });
  return { apiUrl: api.url, apiRequests: api.requests, blobRequests: blob.requests, api: await client(api.url) };
}

const failed = (expected: string, retryable: boolean, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof GitHubError, `expected a GitHubError, got ${String(error)}`);
  assert.equal(error.code, expected, error.message);
  assert.equal(error.retryable, retryable);
  assert.equal(error.message.includes(TOKEN) || String(error.stack).includes(TOKEN), false, 'the token is not in the error');
  assert.equal(error.message.includes(SIGNATURE), false, 'the signed URL is not in the error');
  if (message !== undefined) assert.match(error.message, message);
  return true;
};

const request = (t: TestContext, name = 'site', maxBytes = 1024 * 1024) => ({
  repo: 'acme/web',
  runId: 123,
  name,
  destFile: join(tempDir(t), 'artifact.zip'),
  maxBytes,
});

test('downloads the newest unexpired artifact of that name; the token reaches GitHub, never blob storage', async (t) => {
  const zip = makeZip([{ name: 'index.html', data: '<h1>v2</h1>' }, { name: 'assets/app.js', data: 'run()'.repeat(1000) }]);
  const github = await fakeGitHub(t, [
    { id: 1, name: 'site', zip: makeZip([{ name: 'index.html', data: 'v1' }]), createdAt: '2024-05-01T10:00:00Z' },
    { id: 2, name: 'site', zip, createdAt: '2024-05-01T11:00:00Z' },
    { id: 3, name: 'site', zip: Buffer.alloc(0), createdAt: '2024-05-01T12:00:00Z', expired: true },
    { id: 4, name: 'logs', zip: Buffer.alloc(0), createdAt: '2024-05-01T13:00:00Z' },
  ]);
  const input = request(t);
  assert.deepEqual(await downloadRunArtifact(github.api, input), { artifactId: 2, sizeInBytes: zip.length });
  assert.deepEqual(readFileSync(input.destFile), zip);
  const site = join(tempDir(t), 'site');
  await unpackZip(input.destFile, site, { maxBytes: 1024 * 1024, maxFiles: 10 });
  assert.equal(readFileSync(join(site, 'index.html'), 'utf8'), '<h1>v2</h1>');

  assert.deepEqual(github.apiRequests.map((r) => r.url), ['/repos/acme/web/actions/runs/123/artifacts?name=site&per_page=100', '/repos/acme/web/actions/artifacts/2/zip']);
  for (const { headers } of github.apiRequests) {
    assert.equal(headers.authorization, `token ${TOKEN}`);
    assert.match(headers.accept ?? '', /^application\/vnd\.github\.v3\+json/);
    assert.equal(headers['x-github-api-version'], '2022-11-28');
    assert.match(headers['user-agent'] ?? '', /^slipway /);
  }
  assert.equal(github.blobRequests.length, 1);
  assert.equal(github.blobRequests[0]?.url, `/blob/2?${SIGNATURE}`);
  assert.equal(github.blobRequests[0]?.headers.authorization, undefined);
  assert.equal(JSON.stringify(github.blobRequests).includes(TOKEN), false);
});

test('a name the run does not have is artifact_not_found, listing the names it has', async (t) => {
  const github = await fakeGitHub(t, [
    { id: 1, name: 'logs', zip: Buffer.alloc(10) },
    { id: 2, name: 'coverage', zip: Buffer.alloc(10) },
  ]);
  const input = request(t);
  await assert.rejects(downloadRunArtifact(github.api, input), failed('artifact_not_found', false, /^workflow run 123 has no artifact named "site"; it has: logs, coverage\./));
  const empty = await fakeGitHub(t, []);
  await assert.rejects(downloadRunArtifact(empty.api, input), failed('artifact_not_found', false, /has no artifact named "site"; it has none\./));
  assert.equal(existsSync(input.destFile), false);
});

test('an artifact that only exists expired is artifact_expired', async (t) => {
  const github = await fakeGitHub(t, [{ id: 1, name: 'site', zip: Buffer.alloc(10), expired: true }]);
  await assert.rejects(downloadRunArtifact(github.api, request(t)), failed('artifact_expired', false, /"site" of workflow run 123 has expired/));
  assert.equal(github.blobRequests.length, 0);
});

test('GitHub error answers become GitHubError codes, retryable only when waiting helps', async (t) => {
  const cases: { status: number; headers?: Record<string, string>; body?: string; code: string; retryable: boolean; message?: RegExp }[] = [
    { status: 401, code: 'github_unauthorized', retryable: false, message: /HTTP 401: GitHub said "Bad credentials for \[redacted\]"/ },
    { status: 403, code: 'github_unauthorized', retryable: false },
    { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1714557600' }, code: 'github_rate_limited', retryable: true, message: /resets at 2024-05-01T10:00:00\.000Z/ },
    { status: 429, headers: { 'retry-after': '30' }, code: 'github_rate_limited', retryable: true, message: /retry after 30 s/ },
    { status: 404, code: 'github_not_found', retryable: false },
    { status: 500, code: 'github_unavailable', retryable: true, message: /HTTP 500/ },
    { status: 503, code: 'github_unavailable', retryable: true },
    { status: 200, body: '<html>a proxy login page</html>', code: 'github_invalid_response', retryable: false, message: /did not answer with JSON; check that github\.apiUrl/ },
    { status: 200, body: '{"artifacts": "none"}', code: 'github_invalid_response', retryable: false, message: /unexpected shape \(artifacts: / },
  ];
  for (const c of cases) {
    const github = await fakeGitHub(t, [], (req, res) => {
      // The body echoes the Authorization header, so a message quoting it would leak the token.
      const body = c.body ?? JSON.stringify({ message: `Bad credentials for ${String(req.headers.authorization).replace(/^\S+ /, '')}` });
      res.writeHead(c.status, { 'content-type': 'application/json', ...c.headers });
      res.end(body);
      return true;
    });
    await assert.rejects(downloadRunArtifact(github.api, request(t)), failed(c.code, c.retryable, c.message), `HTTP ${c.status}`);
  }
});

test('an unreachable or silent GitHub is github_unavailable; a caller abort rejects with its reason', async (t) => {
  const gone = createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  const port = (gone.address() as { port: number }).port;
  await new Promise((resolve) => gone.close(resolve));
  const silent = await serve(t, () => {});
  const refused = await client(`http://127.0.0.1:${port}`);
  await assert.rejects(downloadRunArtifact(refused, request(t)), failed('github_unavailable', true, /^GET \/repos\/acme\/web\/actions\/runs\/123\/artifacts failed: ECONNREFUSED/));
  const slow = await client(silent.url, { timeoutMs: 50 });
  await assert.rejects(downloadRunArtifact(slow, request(t)), failed('github_unavailable', true, /did not finish in time/));
  const stop = new AbortController();
  stop.abort(new Error('shutting down'));
  await assert.rejects(downloadRunArtifact(await client(silent.url), { ...request(t), signal: stop.signal }), /shutting down/);
});

test('a download larger than maxBytes is artifact_too_large and leaves no file', async (t) => {
  const big = Buffer.alloc(300 * 1024, 7);
  const github = await fakeGitHub(t, [
    { id: 1, name: 'announced', zip: big, listedSize: 10 },
    { id: 2, name: 'streamed', zip: big, listedSize: 10, chunked: true },
    { id: 3, name: 'listed', zip: big },
  ]);
  const limit = 100 * 1024;
  for (const name of ['announced', 'streamed', 'listed']) {
    const input = request(t, name, limit);
    await assert.rejects(downloadRunArtifact(github.api, input), failed('artifact_too_large', false, /larger than the limit of 102400 bytes/), name);
    assert.deepEqual(readdirSync(join(input.destFile, '..')), [], `${name}: no file is left`);
  }
  assert.equal(github.blobRequests.length, 2, 'a listed size over the limit is not downloaded at all');
});

test('a redirect loop on the way to the zip stops after 5 redirects', async (t) => {
  const github = await fakeGitHub(t, [], (req, res) => {
    if (req.url !== '/loop') return false;
    res.writeHead(302, { location: '/loop' });
    res.end();
    return true;
  });
  const destFile = join(tempDir(t), 'artifact.zip');
  await assert.rejects(download(new URL(`${github.apiUrl}/loop`), destFile, { maxBytes: 1024, timeoutMs: 10_000 }), failed('github_invalid_response', false, /redirected more than 5 times/));
  assert.equal(github.apiRequests.length, 6, 'the first request and 5 redirects');
  assert.equal(existsSync(destFile), false);
});
