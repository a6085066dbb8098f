import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ok, runCli } from '../helpers/cli.js';
import { Origin } from '../helpers/git.js';
import { Hooks } from '../helpers/process-app.js';
import { SECRET, startTestService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// An operator restores an older backup: slipway is stopped, `slipway restore` puts back the
// store of before, and slipway starts again while the environments still run what the lost
// store knew of. The command target's real commands write each deploy and destroy to a journal.

test('a store restored from an older backup converges at start: what it knew at an older commit deploys the head once, what it never knew is destroyed', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  const journal = join(dir, 'journal');
  // The commands may run as nobody (slipway as root): anyone may write the journal.
  writeFileSync(journal, '', { mode: 0o666 });
  chmodSync(journal, 0o666);
  const yaml = `apps:
  - name: web
    repo: acme/web
    url: ${origin.url}
    target:
      type: command
      deploy: [sh, -c, 'echo "deploy $SLIPWAY_ENV $SLIPWAY_SHA" >> ${journal}']
      destroy: [sh, -c, 'echo "destroy $SLIPWAY_ENV" >> ${journal}']
    environments:
      - name: staging
        track: { branch: main }
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
`;
  const dataDir = join(tempDir(t), 'data');
  const configFile = join(dir, 'slipway.yaml');
  writeFileSync(configFile, `store:\n  dataDir: ${JSON.stringify(dataDir)}\n`);
  const lines = () => readFileSync(journal, 'utf8').split('\n').filter((line) => line !== '');
  /** The journal holds these lines, in any order (environments deploy in parallel). */
  const journalHas = (expected: string[]) =>
    eventually(async () => (JSON.stringify(lines().sort()) === JSON.stringify([...expected].sort()) ? true : undefined), 60_000).catch((error: Error) => {
      throw new Error(`${error.message}: the journal has ${JSON.stringify(lines())}`);
    });

  const first = await startTestService(t, { yaml, dataDir });
  const hooks = new Hooks(origin, () => first.url, SECRET);
  const v1 = origin.commit('main', 'v1');
  await hooks.push('main', v1);
  await journalHas([`deploy staging ${v1}`]);
  await eventually(async () => ((await first.store.getEnvironment('web', 'staging'))?.state === 'ready' ? true : undefined), 30_000);
  const backup = join(dir, 'backup.db');
  ok(await runCli(['backup', backup, '--config', configFile]));

  // After the backup: staging moves on, and a pull request gets a preview.
  const v2 = origin.commit('main', 'v2');
  await hooks.push('main', v2);
  const head = origin.commit('feature', 'preview');
  await hooks.pullRequest('opened', 7, 'feature', head);
  await journalHas([`deploy staging ${v1}`, `deploy staging ${v2}`, `deploy pr-7 ${head}`]);
  await eventually(async () => ((await first.store.listEnvironments()).every((env) => env.state === 'ready') ? true : undefined), 30_000);
  await first.close();

  assert.match(ok(await runCli(['restore', backup, '--config', configFile])), /restored .*backup\.db \(schema \d+\) into .*\nthe store it replaced is kept at .*slipway\.db\.before-restore\n/);
  const restoredStaging = await (async () => {
    const again = await startTestService(t, { yaml, dataDir });
    // The restored store knew staging at v1; the command target runs v2 there, and pr-7, which it never knew.
    await journalHas([`deploy staging ${v1}`, `deploy staging ${v2}`, `deploy pr-7 ${head}`, `deploy staging ${v2}`, 'destroy pr-7']);
    return eventually(async () => {
      const env = await again.store.getEnvironment('web', 'staging');
      return env?.state === 'ready' && env.observedSha === v2 ? env : undefined;
    }, 30_000);
  })();
  assert.equal(restoredStaging.observedSha, v2);
  // One deploy of the head, not one per sweep: the journal stays as it is.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(lines().filter((line) => line === `deploy staging ${v2}`).length, 2, JSON.stringify(lines()));
});
