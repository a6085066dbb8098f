import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SlipwayError } from '../../../src/errors.js';
import type { ProcessStatus } from '../../../src/targets/process/config.js';
import { TARGET_CANCELLED } from '../../../src/targets/target.js';
import { eventually } from '../../helpers/webhook.js';
import { capture, destroyRequest, liveInGroup } from '../helpers.js';
import { alive, ask, MANIFEST, request, setup, worktree } from './helpers.js';

const pids = (dir: string) => readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);

test('a crashing app is restarted on its port with backoff, reported, and given up as crashed after 5 quick crashes', async (t) => {
  const { root, routes, statuses, stateDir, target } = setup(t, { backoff: { baseMs: 50, maxMs: 200, stableMs: 60_000 } });
  // It runs long enough to be healthy before each crash, even when node starts slowly on a busy machine.
  const workdir = worktree(root, 'a', `${MANIFEST}env: { CRASH_AFTER_MS: 1000 }\n`);
  await target.apply(request(workdir));
  const port = routes.ports.get('pr-7');
  await eventually(async () => (statuses.at(-1)?.state === 'crashed' ? true : undefined), 20_000);

  const crash = { lastExitCode: 3, lastSignal: null };
  const expected: Omit<ProcessStatus, 'app' | 'env'>[] = [{ state: 'running', restarts: 0, lastExitCode: null, lastSignal: null }];
  for (let restarts = 1; restarts <= 4; restarts += 1) {
    expected.push({ state: 'restarting', restarts, ...crash }, { state: 'running', restarts, ...crash });
  }
  expected.push({ state: 'crashed', restarts: 4, ...crash });
  assert.deepEqual(
    statuses.map(({ state, restarts, lastExitCode, lastSignal }) => ({ state, restarts, lastExitCode, lastSignal })),
    expected,
  );
  assert.equal(pids(workdir).length, 5, 'started once and restarted four times');
  assert.ok(pids(workdir).every((pid) => !alive(pid)));
  assert.deepEqual(new Set(routes.calls.filter((call) => call.startsWith('set'))), new Set([`set web/pr-7 ${port}`]), 'always the same port');
  assert.equal(routes.calls.at(-1), 'crashed web/pr-7 code 3 signal null restarts 4', 'its URL says it keeps crashing');
  const record = JSON.parse(readFileSync(join(stateDir, 'web.pr-7.json'), 'utf8')) as { restarts: number };
  assert.equal(record.restarts, 4);
  assert.deepEqual(await target.list(), [{ app: 'web', env: 'pr-7', sha: request(workdir).sha }], 'still its environment');
});

test('a run as long as stableMs forgives earlier crashes', async (t) => {
  const { root, statuses, target } = setup(t, { backoff: { baseMs: 20, maxMs: 50, stableMs: 100 } });
  const workdir = worktree(root, 'a', `${MANIFEST}env: { CRASH_AFTER_MS: 250 }\n`);
  await target.apply(request(workdir));
  await eventually(async () => (statuses.some((s) => s.state === 'running' && s.restarts >= 6) ? true : undefined), 20_000);
  assert.ok(!statuses.some((s) => s.state === 'crashed'));
});

test('destroy stops every process of the group, removes the route and the record, and keeps the last log aside', async (t) => {
  const { root, routes, stateDir, target } = setup(t);
  const workdir = worktree(root, 'a', 'start: node server.cjs & sleep 300 & wait\nhealth: { path: /healthz, timeout: 10s }\n');
  await target.apply(request(workdir));
  const record = JSON.parse(readFileSync(join(stateDir, 'web.pr-7.json'), 'utf8')) as { current: { pgid: number } };
  const group = record.current.pgid;
  assert.ok(liveInGroup(group).length >= 3, 'sh, node and sleep');

  const out = capture();
  await target.destroy(destroyRequest(workdir, { log: out.log }));
  assert.deepEqual(liveInGroup(group), []);
  assert.equal(routes.calls.at(-1), 'remove web/pr-7');
  assert.equal(existsSync(join(stateDir, 'web.pr-7.json')), false);
  assert.deepEqual(readdirSync(join(stateDir, 'logs')), ['destroyed']);
  assert.match(readdirSync(join(stateDir, 'logs', 'destroyed')).join(','), /^web\.pr-7\.\d+\.log$/);
  assert.deepEqual(await target.list(), []);
  assert.match(out.text(), /stopped the process of web\/pr-7/);

  const again = capture();
  await target.destroy(destroyRequest(null, { log: again.log }));
  assert.match(again.text(), /nothing to destroy/);
});

test('close stops every process and keeps the records for the next start', async (t) => {
  const { root, routes, target } = setup(t);
  await target.apply(request(worktree(root, 'a', MANIFEST), { env: 'staging' }));
  await target.apply(request(worktree(root, 'b', MANIFEST), { env: 'pr-7' }));
  const running = await Promise.all([...routes.ports.values()].map(async (port) => (await ask(port)).pid));
  assert.equal(running.length, 2);
  await target.close();
  assert.ok(running.every((pid) => !alive(pid)));
  assert.deepEqual((await target.list()).map((env) => env.env), ['pr-7', 'staging']);
  await assert.rejects(
    target.apply(request(worktree(root, 'c', MANIFEST))),
    (error: unknown) => error instanceof SlipwayError && error.code === TARGET_CANCELLED,
  );
});
