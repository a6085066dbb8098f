// The delivery every peer receives: a real `pull_request.opened` example from
// @octokit/webhooks-examples, with a longer PR body so the compact JSON is ~21 KB,
// and its X-Hub-Signature-256 (the body never changes, so it is signed once).
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';

const TARGET_BYTES = 21 * 1024;

const BODY_TEXT = `## Summary

Moves the preview router to the shared connection pool and retries idle sockets once
before failing the health check. Fixes flaky previews after long idle periods.

## Changes

- router: reuse upstream keep-alive sockets, drop them after 30 s idle
- health: one retry on ECONNRESET before marking the release unhealthy
- docs: note the new \`router.idleTimeout\` setting

## Testing

- [x] unit tests for the pool
- [x] e2e: open, push, close a PR against the demo app
- [ ] load test with 200 environments

`;

export function buildPayload() {
  const require = createRequire(import.meta.url);
  const index = require('@octokit/webhooks-examples/api.github.com/index.json');
  const family = index.find((e) => e.name === 'pull_request');
  const example = family?.examples.find((e) => e.action === 'opened');
  if (!example) throw new Error('no pull_request.opened example in @octokit/webhooks-examples');

  const payload = JSON.parse(JSON.stringify(example));
  let body = payload.pull_request.body ?? '';
  const size = () => Buffer.byteLength(JSON.stringify(payload));
  payload.pull_request.body = body;
  while (size() < TARGET_BYTES) {
    body += BODY_TEXT;
    payload.pull_request.body = body;
  }
  while (size() > TARGET_BYTES) {
    body = body.slice(0, -1);
    payload.pull_request.body = body;
  }
  return Buffer.from(JSON.stringify(payload));
}

export function sign(secret, body) {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Headers as GitHub sends them, minus the per-request X-GitHub-Delivery. */
export function staticHeaders(signature) {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'GitHub-Hookshot/abc',
    'X-GitHub-Event': 'pull_request',
    'X-GitHub-Hook-ID': '123456789',
    'X-GitHub-Hook-Installation-Target-Type': 'repository',
    'X-GitHub-Hook-Installation-Target-ID': '186853002',
    'X-Hub-Signature-256': signature,
  };
}
