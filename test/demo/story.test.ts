import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DEMO_APP, demoConfigYaml } from '../../src/demo/config.js';
import { pageTitle } from '../../src/demo/page.js';
import { pushWebhook } from '../../src/demo/payloads.js';
import { sampleAppFiles } from '../../src/demo/sample-app.js';
import { webhookSender } from '../../src/demo/send-webhook.js';
import { demoSteps, type Step } from '../../src/demo/steps.js';
import { playStory, type StoryWorld } from '../../src/demo/story.js';
import { LocalRepo } from '../../src/source/local-repo.js';
import { SECRET, startTestService, type TestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';

// The story against a real slipway (signed webhooks to its endpoint, SQLite store) and a real
// local repository; the command target stands in for the process target, which is not here yet.

const COMMAND = `target: { type: command, deploy: [sh, -c, 'echo deployed $SLIPWAY_ENV at $SLIPWAY_SHA'], timeout: 30s }`;

async function setup(t: TestContext, target: string) {
  const root = tempDir(t);
  const repo = await LocalRepo.init(join(root, 'repo'));
  const yaml = demoConfigYaml({ repoUrl: repo.url, webhookSecret: SECRET, routerPort: 0, target });
  const service = await startTestService(t, { yaml, dataDir: join(root, 'data') });
  const lines: string[] = [];
  const world: StoryWorld = {
    deliver: webhookSender(`${service.url}/webhooks/github`, SECRET),
    environment: (app, name) => service.store.getEnvironment(app, name),
    readPage: (url) => pageTitle(url),
    print: (line) => lines.push(line),
  };
  return { repo, service, world, lines };
}

/** A small HTTP server standing in for the router: each path answers a page titled after it. */
async function pages(t: TestContext): Promise<string> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<html><head><title>page of ${req.url ?? ''} &amp; more</title></head></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function env(service: TestService, name: string) {
  const found = await service.store.getEnvironment(DEMO_APP, name);
  assert.ok(found !== null, `${name} exists`);
  return found;
}

test('every step of the story ends in its environment state, and says so with the URL and what the page says', async (t) => {
  const site = await pages(t);
  const { repo, service, world, lines } = await setup(t, COMMAND.replace('timeout: 30s', `timeout: 30s, url: "${site}/{env}"`));
  await playStory(demoSteps(repo), world, { stepTimeoutMs: 20_000 });

  const staging = await env(service, 'staging');
  const production = await env(service, 'production');
  const preview = await env(service, 'pr-1');
  assert.deepEqual([staging.state, production.state, preview.state], ['ready', 'ready', 'destroyed']);
  assert.equal(production.observedSha, staging.observedSha, 'the release tags what staging runs');
  assert.equal(production.desiredRef, 'refs/tags/v1.0.0');
  assert.match(preview.observedSha ?? '', /^[0-9a-f]{40}$/);
  assert.notEqual(preview.observedSha, staging.observedSha);

  const short = (sha: string | null) => (sha ?? '').slice(0, 7);
  const expected = [
    `[1/5] push to main → staging up ... ok: web/staging is ready at ${short(staging.observedSha)} (*) — open ${site}/staging`,
    '      the page says: page of /staging & more',
    `[2/5] PR #1 opened → preview pr-1 up ... ok: web/pr-1 is ready at * (*) — open ${site}/pr-1`,
    '      the page says: page of /pr-1 & more',
    `[3/5] new commit on the PR → preview updated ... ok: web/pr-1 is ready at ${short(preview.observedSha)} (*) — open ${site}/pr-1`,
    '      the page says: page of /pr-1 & more',
    '[4/5] PR closed → preview gone ... ok: web/pr-1 is destroyed (*)',
    `[5/5] release v1.0.0 → production up ... ok: web/production is ready at ${short(staging.observedSha)} (*) — open ${site}/production`,
    '      the page says: page of /production & more',
  ];
  assert.equal(lines.length, expected.length, lines.join('\n'));
  lines.forEach((line, i) => {
    const pattern = (expected[i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\*/g, '[^ ]+');
    assert.match(line, new RegExp(`^${pattern}$`));
  });
});

test('with no URL recorded, a step says so and reads no page', async (t) => {
  const { repo, world, lines } = await setup(t, COMMAND);
  await playStory(demoSteps(repo).slice(0, 1), world, { stepTimeoutMs: 20_000 });
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /^\[1\/1\] push to main → staging up \.\.\. ok: web\/staging is ready at [0-9a-f]{7} \(\d+\.\ds\); slipway recorded no URL for it$/);
});

test('a step that never reaches its state fails with a timeout naming the step and what the environment is', async (t) => {
  const { repo, world } = await setup(t, COMMAND);
  const never: Step = {
    title: 'push to main → staging at a commit that does not exist',
    act: async () => {
      const sha = await repo.commit('main', sampleAppFiles({ version: '1', message: 'm' }), 'm');
      const webhook = pushWebhook({ fullName: 'demo/web', cloneUrl: repo.url }, { branch: 'main', before: null, after: sha, message: 'm', at: new Date() });
      return { webhook, expect: { env: 'staging', state: 'ready', sha: 'f'.repeat(40) } };
    },
  };
  await assert.rejects(playStory([never], world, { stepTimeoutMs: 1500 }), {
    name: 'StoryError',
    code: 'demo_step_timeout',
    message: /^\[1\/1\] push to main → staging at a commit that does not exist timed out after 1\.5s: web\/staging (is ready at [0-9a-f]{7}|does not exist|is \w+( at [0-9a-f]{7})?( \(a newer change is not deployed yet\))?), expected ready at fffffff; "slipway env web staging" shows its deployments and their logs$/,
  });
});

test('a step whose deployment fails stops the story at once, naming the step', async (t) => {
  const { repo, world, lines } = await setup(t, `target: { type: command, deploy: [sh, -c, 'exit 3'] }`);
  const started = Date.now();
  await assert.rejects(playStory(demoSteps(repo), world, { stepTimeoutMs: 60_000 }), {
    code: 'demo_step_failed',
    message: /^\[1\/5\] push to main → staging up failed: web\/staging is failed, expected ready at [0-9a-f]{7}; "slipway env web staging"/,
  });
  assert.ok(Date.now() - started < 30_000, 'without waiting for the timeout');
  assert.deepEqual(lines, []);
});
