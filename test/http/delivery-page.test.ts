import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { normalize } from '../../src/events/normalize.js';
import { describeIntent, explainEvent } from '../../src/policy/explain.js';
import { escapeHtml } from '../../src/router/pages.js';
import { Origin } from '../helpers/git.js';
import { API_TOKEN, SECRET, startTestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// A delivery's page, read over real HTTP from a real slipway on SQLite: the pull request's
// delivery is sent signed to its webhook, and the preview it asks for is deployed from a real
// git repository (a file:// remote standing in for GitHub) by a command target.

const TITLE = '<script>alert("pwned")</script> & more';

/** The text of an HTML fragment: tags dropped, slipway's escapes read back. */
const text = (markup: string) => markup.replace(/<[^>]+>/g, '').replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).trim();
/** Each row of the table with this class, as the text of its cells. */
const rows = (body: string, table: string) => {
  const found = new RegExp(`<table class="${table}">[\\s\\S]*?</table>`).exec(body)?.[0] ?? '';
  return [...found.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((row) => [...(row[1] ?? '').matchAll(/<td>([\s\S]*?)<\/td>/g)].map((cell) => text(cell[1] ?? '')));
};

test('a delivery\'s page: its headers, what each rule decides (as slipway explain), what it changed, its payload escaped', async (t) => {
  const root = tempDir(t);
  const origin = new Origin(join(root, 'origin'));
  origin.commit('main', 'base');
  const head = origin.commit('feature/login', 'pr v1');
  origin.pullHead(42, head);
  const yaml = `
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: ["sh", "-c", "echo deployed"], timeout: 30s }
    environments:
      - name: staging
        track: { branch: main }
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
`;
  const service = await startTestService(t, { yaml, dataDir: join(root, 'data') });
  const payload = JSON.parse(readFileSync('test/fixtures/payloads/pull-request-closed-merged.json', 'utf8')) as { action: string; pull_request: Record<string, unknown> & { head: Record<string, unknown> } };
  payload.action = 'opened';
  Object.assign(payload.pull_request, { state: 'open', merged: false, merged_at: null, closed_at: null, title: TITLE });
  payload.pull_request.head.sha = head;
  const sent = await deliver(service.url, {
    event: 'pull_request',
    payload,
    headers: { 'x-github-hook-id': '4711', 'x-github-hook-installation-target-type': 'repository', 'x-github-hook-installation-target-id': '815' },
  });
  assert.equal(sent.status, 202);
  const env = await eventually(async () => {
    const found = await service.store.getEnvironment('webapp', 'pr-42');
    return found?.state === 'ready' ? found : undefined;
  }, 20_000);

  const page = await service.api('GET', `/deliveries/${sent.id}`);
  assert.equal(page.status, 200);
  const { body } = page;
  assert.ok(body.includes(`<title>Delivery ${sent.id} · slipway</title>`));
  assert.ok(body.includes('<div data-live="deliveries deployments">'));
  assert.ok(body.includes('<span class="state s-processed">processed</span>'));
  for (const [name, value] of [['X-GitHub-Delivery', sent.id], ['X-GitHub-Event', 'pull_request'], ['X-GitHub-Hook-ID', '4711'], ['X-GitHub-Hook-Installation-Target-Type', 'repository'], ['X-GitHub-Hook-Installation-Target-ID', '815']]) {
    assert.ok(body.includes(`<dt><code>${name}</code></dt><dd><code>${value}</code></dd>`), `${name}: ${value}`);
  }
  assert.doesNotMatch(body, /signature-256|sha256=/i, 'never a signature');

  // The same answer as `slipway explain --event pull_request --payload FILE` with this config.
  const expected = explainEvent('pull_request', normalize('pull_request', payload), parseConfig(yaml, 'test.yaml', {}, root), null);
  assert.deepEqual(rows(body, 'decisions'), expected.decisions.map((d) => [d.app, d.environment, d.matched ? 'yes' : 'no', d.reason]));
  assert.equal(expected.decisions.filter((d) => d.matched).length, 1, 'the page is compared with a decision that matched and one that did not');
  const intents = [...(/<ul class="intents">([\s\S]*?)<\/ul>/.exec(body)?.[1] ?? '').matchAll(/<li>([\s\S]*?)<\/li>/g)].map((item) => text(item[1] ?? ''));
  assert.deepEqual(intents, expected.intents.map(describeIntent));
  assert.ok(body.includes('<p>Matches: webapp/pr-42</p>'));

  // What it changed: the preview it asked for, and the deployment of it.
  const { deployments } = await service.store.deliveryEffects(sent.id);
  assert.equal(deployments.length, 1);
  assert.ok(body.includes(`<a href="/environments/webapp/pr-42">webapp/pr-42</a> <span class="state s-${env.state}">${env.state}</span>`), body);
  assert.ok(body.includes(`<td><a href="/deployments/${deployments[0]?.id}">${deployments[0]?.id}</a></td>`));

  // The payload, folded and pretty-printed; its text is never markup.
  assert.match(body, /<details><summary>The payload as GitHub sent it \([\d.]+ KiB\)<\/summary><pre tabindex="0" aria-label="Payload">\{\n {2}&#34;action&#34;: &#34;opened&#34;,\n/);
  assert.ok(body.includes(escapeHtml(JSON.stringify(TITLE))), 'the title, escaped');
  assert.equal(body.split('<script').length - 1, 1, 'the only script is slipway\'s own');
  assert.ok(!body.includes('/replay'), 'no Replay button for a reader without a session');
  for (const secret of [SECRET, API_TOKEN]) assert.ok(!body.includes(secret), 'no secret on the page');

  assert.equal((await service.api('GET', '/deliveries/no-such-delivery')).status, 404);
});

test('a delivery whose payload cannot be used says why; a huge payload is cut with a note', async (t) => {
  const service = await startTestService(t);
  const broken = await deliver(service.url, { event: 'push', payload: { ref: 'refs/heads/main' } });
  const huge = await deliver(service.url, { event: 'star', payload: { action: 'created', repository: { full_name: 'acme/web' }, filler: 'x'.repeat(1_500_000) } });
  await eventually(async () => ((await service.store.backlog()).pending === 0 ? true : undefined));

  const failed = (await service.api('GET', `/deliveries/${broken.id}`)).body;
  assert.ok(failed.includes('<span class="state s-failed">failed</span>'));
  assert.match(failed, /<p class="problem">The payload cannot be used: push payload: [^<]+<\/p>/);
  assert.ok(failed.includes('Nothing now: no environment\'s desired state comes from it last, and it started no deployment.'), 'it changed nothing');

  const big = await service.api('GET', `/deliveries/${huge.id}`);
  assert.equal(big.status, 200);
  assert.ok(big.body.includes('The payload is 1.4 MiB: the first 1.0 MiB is shown.'), 'the cut is said');
  assert.ok(big.body.includes(`<code>slipway deliveries ${huge.id}</code> prints all of it`));
  assert.ok(Buffer.byteLength(big.body) < 1.2 * 1024 * 1024, `the page holds about 1 MiB of it, not all: ${Buffer.byteLength(big.body)} bytes`);
  assert.ok(big.body.includes('slipway does not act on &#34;star&#34; events'), 'explained as slipway explain would');
});
