import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugName } from '../../src/names.js';
import { push } from '../helpers/ci.js';
import { fixture, setup } from '../helpers/webapp.js';
import { deliver, eventually } from '../helpers/webhook.js';

// Branches whose names slug to the same text (`/`, `.` and `-` all become `-`) each get their
// own environment, and deleting one branch leaves the other's environment running.

const ENVIRONMENTS = `
      - name: br-{branch}
        track: { branches: ["**"] }`;

const ready = (service: Awaited<ReturnType<typeof setup>>['service'], count: number) =>
  eventually(async () => {
    const envs = (await service.store.listEnvironments()).filter((env) => env.present);
    return envs.length === count && envs.every((env) => env.state === 'ready' && env.generation === env.observedGeneration) ? envs : undefined;
  }, 20_000);

test('branches that slug alike get distinct environments; deleting one leaves the others running', async (t) => {
  const { origin, service, lines } = await setup(t, { environments: ENVIRONMENTS });
  origin.commit('main', 'base');
  const branches = ['a/b-c', 'a-b/c', 'a-b-c', 'release/1.2', 'release-1.2'];
  const shas = new Map(branches.map((branch) => [branch, origin.commit(branch, `on ${branch}`)]));
  for (const branch of branches) await deliver(service.url, { event: 'push', payload: push(branch, shas.get(branch) ?? '') });
  const envs = await ready(service, branches.length);
  assert.deepEqual(
    envs.map((env) => `${env.desiredRef} ${env.observedSha}`).sort(),
    branches.map((branch) => `refs/heads/${branch} ${shas.get(branch)}`).sort(),
    'each branch has its own environment at its own tip',
  );

  // `a/b-c` is deleted (a delete event and its push with deleted: true).
  await deliver(service.url, { event: 'delete', payload: { ...fixture('delete-branch'), ref: 'a/b-c' } });
  await deliver(service.url, { event: 'push', payload: { ...push('a/b-c', '0'.repeat(40)), deleted: true } });
  const gone = slugName('br-{branch}', { branch: 'a/b-c' });
  await eventually(async () => ((await service.store.getEnvironment('webapp', gone))?.state === 'destroyed' ? true : undefined), 20_000);
  const left = await ready(service, branches.length - 1);
  assert.deepEqual(left.map((env) => env.desiredRef).sort(), branches.filter((b) => b !== 'a/b-c').map((b) => `refs/heads/${b}`).sort());
  const destroyed = lines().filter((line) => line.startsWith('destroy '));
  assert.deepEqual(destroyed.map((line) => line.split(' ')[1]), [gone]);
});

test('a delete for a ref that the environment of that name does not follow destroys nothing', async (t) => {
  const { origin, service, lines } = await setup(t, { environments: ENVIRONMENTS });
  origin.commit('main', 'base');
  const sha = origin.commit('a-b-c', 'v1');
  await deliver(service.url, { event: 'push', payload: push('a-b-c', sha) });
  const [env] = await ready(service, 1);
  assert.equal(env?.name, 'br-a-b-c');
  // An environment named br-a-b-c exists; these refs are not the one it follows.
  await service.store.changeEnvironments(
    [{ kind: 'destroy', app: 'webapp', env: 'br-a-b-c', ref: 'refs/heads/a/b-c', rule: 'br-{branch}', reason: 'branch a/b-c was deleted', trigger: 'delete' }],
    'test',
  );
  const answer = await deliver(service.url, { event: 'delete', payload: { ...fixture('delete-branch'), ref: 'a-b/c' } });
  await eventually(async () => ((await service.store.getDelivery(answer.id))?.status === 'processed' ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await service.store.getEnvironment('webapp', 'br-a-b-c');
  assert.equal(after?.present, true);
  assert.equal(after?.state, 'ready');
  assert.equal(lines().filter((line) => line.startsWith('destroy ')).length, 0);
});
