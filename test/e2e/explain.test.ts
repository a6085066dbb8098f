import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Explanation } from '../../src/cli/explain.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

// `slipway explain` is a dry run with no server: the built CLI, a config file and the payload
// fixtures of test/fixtures/payloads/ (all about acme/webapp).

const fixture = (name: string) => resolve(`test/fixtures/payloads/${name}.json`);

function setup(t: TestContext) {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `store:
  dataDir: data
apps:
  - name: webapp
    repo: acme/webapp
    target: { type: command, deploy: [./deploy.sh] }
    environments:
      - name: staging
        track: { branch: main }
      - name: pr-{number}
        track: { pullRequests: { base: [main], forks: deny } }
        ttl: 72h
      - name: br-{branch}
        track: { branches: ["feature/*"] }
  - name: docs
    repo: acme/docs
`,
  );
  const explain = (...args: string[]) => runCli(['explain', ...args], { cwd: dir });
  return { dir, explain };
}

test('a push to main matches staging, and only staging', async (t) => {
  const { dir, explain } = setup(t);
  const result = await explain('--event', 'push', '--payload', fixture('push-main'));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^push for acme\/webapp\n/);
  assert.match(result.stdout, /APP\s+ENVIRONMENT\s+MATCH\s+WHY/);
  assert.match(result.stdout, /webapp\s+staging\s+yes\s+push to branch main: staging follows refs\/heads\/main/);
  assert.match(result.stdout, /webapp\s+pr-\{number\}\s+no\s+follows pull requests into main .*, not branches/);
  assert.match(result.stdout, /webapp\s+br-\{branch\}\s+no\s+branch main does not match \[feature\/\*\]/);
  assert.match(result.stdout, /Matches: webapp\/staging\n\nslipway would:\n {2}follow webapp\/staging refs\/heads\/main$/m);
  assert.ok(!existsSync(join(dir, 'data')), 'a dry run creates no data folder');
});

test('a fork pull request under forks: deny matches nothing, and says why', async (t) => {
  const { explain } = setup(t);
  const result = await explain('--event', 'pull_request', '--payload', fixture('pull-request-opened-fork'));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^pull_request\.opened for acme\/webapp\n/);
  assert.match(result.stdout, /webapp\s+pr-\{number\}\s+no\s+pull request #57 gets no environment: fork PRs are denied \(forks: deny\)/);
  assert.match(result.stdout, /Nothing matches: slipway would change no environment\.\n$/);
  assert.doesNotMatch(result.stdout, /slipway would:/);
});

test('pull requests: opened follows the head ref, closed destroys; --json and standard input', async (t) => {
  const { dir, explain } = setup(t);
  const closed = await explain('--event', 'pull_request', '--payload', fixture('pull-request-closed-merged'));
  assert.equal(closed.code, 0, closed.stderr);
  assert.match(closed.stdout, /destroy webapp\/pr-42 \(pull request #42 was merged\)/);

  const payload = JSON.parse(readFileSync(fixture('pull-request-closed-merged'), 'utf8')) as { action: string; pull_request: Record<string, unknown> };
  payload.action = 'opened';
  Object.assign(payload.pull_request, { state: 'open', merged: false, merged_at: null, closed_at: null });
  const file = join(dir, 'opened.json');
  writeFileSync(file, JSON.stringify(payload));
  const opened = await explain('--event', 'pull_request', '--payload', file, '--json');
  assert.equal(opened.code, 0, opened.stderr);
  const explanation = JSON.parse(opened.stdout) as Explanation;
  assert.equal(explanation.action, 'opened');
  assert.equal(explanation.repository, 'acme/webapp');
  assert.deepEqual(explanation.apps, ['webapp']);
  assert.deepEqual(explanation.decisions.map((d) => [d.environment, d.matched]), [['staging', false], ['pr-{number}', true], ['br-{branch}', false]]);
  assert.deepEqual(explanation.intents.map((i) => [i.kind, i.app, i.env, i.kind === 'follow' ? i.ref : null, i.kind === 'follow' ? i.ttlMs : null]), [
    ['follow', 'webapp', 'pr-42', 'refs/pull/42/head', 72 * 3_600_000],
  ]);

  const piped = await runCli(['explain', '--event', 'pull_request', '--payload', '-'], { cwd: dir, input: JSON.stringify(payload) });
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /slipway would:\n {2}follow webapp\/pr-42 refs\/pull\/42\/head$/m);
});

test('events that match nothing say why', async (t) => {
  const { dir, explain } = setup(t);
  const star = join(dir, 'star.json');
  writeFileSync(star, JSON.stringify({ action: 'created', repository: { full_name: 'acme/webapp' } }));
  const ignored = await explain('--event', 'star', '--payload', star);
  assert.equal(ignored.code, 0, ignored.stderr);
  assert.match(ignored.stdout, /slipway does not act on "star" events: it would record the delivery and mark it ignored\.\nNothing matches/);

  const ci = await explain('--event', 'check_suite', '--payload', fixture('check-suite-completed-failure'));
  assert.equal(ci.code, 0, ci.stderr);
  assert.match(ci.stdout, /check_suite events move no environment by themselves\.\nNothing matches/);

  const other = join(dir, 'other.yaml');
  writeFileSync(other, 'apps:\n  - name: web\n    repo: acme/web\n');
  const noApp = await explain('--event', 'push', '--payload', fixture('push-main'), '--config', other);
  assert.equal(noApp.code, 0, noApp.stderr);
  assert.match(noApp.stdout, /no app is configured for acme\/webapp; configured: web \(acme\/web\)\.\nNothing matches/);
});

test('explain refuses what it cannot read', async (t) => {
  const { dir, explain } = setup(t);
  const missing = await explain('--event', 'push', '--payload', join(dir, 'none.json'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read --payload .*none\.json: ENOENT/);

  writeFileSync(join(dir, 'bad.json'), '{"ref": ');
  const invalid = await explain('--event', 'push', '--payload', join(dir, 'bad.json'));
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /--payload .*bad\.json is not valid JSON/);

  writeFileSync(join(dir, 'empty.json'), '{}');
  const unusable = await explain('--event', 'push', '--payload', join(dir, 'empty.json'));
  assert.equal(unusable.code, 1);
  assert.match(unusable.stderr, /^slipway: the payload cannot be used: push payload: /);

  const noEvent = await explain('--payload', fixture('push-main'));
  assert.equal(noEvent.code, 2);
  assert.match(noEvent.stderr, /--event is required/);
  const noPayload = await explain('--event', 'push');
  assert.equal(noPayload.code, 2);
  assert.match(noPayload.stderr, /--payload is required/);

  writeFileSync(join(dir, 'broken.yaml'), 'apps:\n  - name: Web\n    repo: acme/webapp\n');
  const badConfig = await explain('--event', 'push', '--payload', fixture('push-main'), '--config', join(dir, 'broken.yaml'));
  assert.equal(badConfig.code, 1);
  assert.match(badConfig.stderr, /broken\.yaml:2 apps\[0\]\.name: expected 1 to 63 characters/);
});
