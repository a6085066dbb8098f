import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReloadOutcome } from '../src/config/changes.js';
import { startFileService } from './helpers/file-service.js';
import { Origin } from './helpers/git.js';
import { Hooks } from './helpers/process-app.js';
import { SECRET } from './helpers/service.js';
import { tempDir } from './helpers/temp.js';
import { eventually } from './helpers/webhook.js';

// What a reload does with apps and their targets, on a real slipway whose config is a file:
// the command target runs real commands, each writing a line to a journal.

/** An app of acme/web on the command target whose deploy command writes `<app> <env> <label>`. */
function app(name: string, journal: string, label: string, target = ''): string {
  return `  - name: ${name}
    repo: acme/web
    url: \${ORIGIN}
    target: ${target || `{ type: command, deploy: [sh, -c, 'echo "$SLIPWAY_APP $SLIPWAY_ENV ${label}" >> ${journal}'] }`}
    environments:
      - name: staging
        track: { branch: main }
      - name: qa
        track: { branch: main }
`;
}

test('a reload gives a target its new settings and redeploys its environments, adds apps, and leaves what needs a restart', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  const journal = join(dir, 'journal');
  // The commands may run as nobody (slipway as root): anyone may write the journal.
  writeFileSync(journal, '', { mode: 0o666 });
  chmodSync(journal, 0o666);
  const apps = (...list: string[]) => `apps:\n${list.join('').replaceAll('${ORIGIN}', origin.url)}`;
  const service = await startFileService(t, apps(app('web', journal, 'v1')));
  const hooks = new Hooks(origin, () => service.url, SECRET);
  const lines = () => readFileSync(journal, 'utf8').split('\n').filter((line) => line !== '').sort();
  const reload = async () => {
    const answer = await service.api('POST', '/api/reload');
    assert.equal(answer.status, 200, answer.body);
    return answer.json() as ReloadOutcome;
  };
  const journalHas = (expected: string[]) =>
    // Each line is a deployment (a checkout, then the command): a loaded CI machine takes its time.
    eventually(async () => (JSON.stringify(lines()) === JSON.stringify([...expected].sort()) ? true : undefined), 60_000).catch(async (error: Error) => {
      const envs = (await service.store.listEnvironments()).map((env) => `${env.app}/${env.name} ${env.state} gen ${env.observedGeneration}/${env.generation} redeploy ${env.redeploy}`);
      throw new Error(`${error.message}: the journal has ${JSON.stringify(lines())}; ${envs.join('; ')}`);
    });

  await hooks.push('main', origin.commit('main', 'v1'));
  await journalHas(['web qa v1', 'web staging v1']);

  // New settings of the same target type: taken at once, and every environment of the app redeploys with them.
  service.write(apps(app('web', journal, 'v2')));
  const changed = await reload();
  assert.deepEqual(changed, {
    file: join(service.dir, 'slipway.yaml'),
    applied: ['apps.web.target.deploy'],
    redeploying: ['web/qa', 'web/staging'],
    needsRestart: [],
    unfollowed: [],
  });
  await journalHas(['web qa v1', 'web staging v1', 'web qa v2', 'web staging v2']);

  // Another target type, and an app on the process target while no router runs: both need a
  // restart. A new app on the command target is added, and its environments deploy at the next push.
  service.write(apps(app('web', journal, 'v2', '{ type: process }'), app('api', journal, 'v1'), app('site', journal, 'v1', '{ type: process }')));
  const mixed = await reload();
  assert.deepEqual(mixed.applied, ['apps.api: added']);
  assert.deepEqual(mixed.redeploying, []);
  assert.ok(mixed.needsRestart.includes('apps.web.target.type: the target type changes only at a start'), mixed.needsRestart.join('\n'));
  assert.ok(mixed.needsRestart.includes('apps.site: the process target needs the router, which starts with slipway when an app needs it'), mixed.needsRestart.join('\n'));
  await hooks.push('main', origin.commit('main', 'v2'));
  await journalHas(['web qa v1', 'web staging v1', 'web qa v2', 'web staging v2', 'api qa v1', 'api staging v1', 'web qa v2', 'web staging v2']);

  // An app removed from the config stays until a restart.
  service.write(apps(app('web', journal, 'v2')));
  const removed = await reload();
  assert.deepEqual(removed.needsRestart, ['apps.api: removed; slipway manages it as before until it restarts, and does not destroy its environments then either']);
  // Its command wrote the journal line before its deployment was recorded: wait for that too.
  const states = async () => {
    const listed = (await service.api('GET', '/api/environments')).json() as { environments: { app: string; name: string; state: string }[] };
    return listed.environments.filter((env) => env.app === 'api').map((env) => `${env.name} ${env.state}`);
  };
  await eventually(async () => (JSON.stringify(await states()) === JSON.stringify(['qa ready', 'staging ready']) ? true : undefined), 30_000).catch(async () => {
    assert.deepEqual(await states(), ['qa ready', 'staging ready']);
  });
});
