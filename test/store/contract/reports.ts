import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Environment, Fence } from '../../../src/domain/environments.js';
import type { StoreFactory } from './factory.js';

/** The reports part of the Store contract: every store implementation passes it. */
export function reportsContract(open: StoreFactory): void {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  const C = 'c'.repeat(40);

  async function preview(t: TestContext) {
    const store = await open(t);
    await store.changeEnvironments([{ kind: 'follow', app: 'web', env: 'pr-7', ref: 'refs/pull/7/head', shaHint: null, pr: 7, branch: 'feature/x', ttlMs: null, trigger: 'pull_request.opened' }], 'd0');
    const env = (await store.getEnvironment('web', 'pr-7')) as Environment;
    const fence: Fence = { lease: `env:${env.id}`, token: (await store.acquireLease(`env:${env.id}`, 'r', 60_000)) ?? 0 };
    const deploy = async (sha: string, state: 'success' | 'failure' | null) => {
      const begun = await store.beginDeployment({ environmentId: env.id, generation: env.generation, sha, ref: env.desiredRef, trigger: 'push', deliveryId: 'd0', fence });
      if (state !== null) await store.completeDeployment({ id: begun.id, state, error: state === 'failure' ? 'build failed' : null, log: '', url: 'http://pr-7.web.test', fence });
      return begun.id;
    };
    const outbox = async () => (await store.unreportedDeployments(10)).map((d) => `${d.id} ${d.state}→${d.target}${d.newest ? ' newest' : ''}`);
    return { store, env, fence, deploy, outbox };
  }

  test('a deployment waits in the outbox until its state is reported; every new state puts it back', async (t) => {
    const { store, fence, deploy, outbox } = await preview(t);
    const id = await deploy(A, null);
    assert.deepEqual(await outbox(), [`${id} in_progress→in_progress newest`]);
    const [row] = await store.unreportedDeployments(10);
    assert.equal(row?.reportedState, null);
    assert.equal(row?.message, `deploying ${A.slice(0, 12)} refs/pull/7/head`);
    await store.markReported(id, 'in_progress', 501);
    assert.deepEqual(await outbox(), []);
    assert.equal((await store.getDeployment(id))?.githubDeploymentId, 501);
    // A later mark without an id keeps the one GitHub gave.
    await store.markReported(id, 'in_progress', null);
    assert.equal((await store.getDeployment(id))?.githubDeploymentId, 501);
    await store.completeDeployment({ id, state: 'success', error: null, log: '', url: null, fence });
    assert.deepEqual(await outbox(), [`${id} success→success newest`]);
  });

  test('a newer success makes inactive what GitHub shows before it, listed after it; a failure changes nothing', async (t) => {
    const { store, deploy, outbox } = await preview(t);
    const first = await deploy(A, 'success');
    await store.markReported(first, 'success', 501);
    const second = await deploy(B, null);
    assert.deepEqual(await outbox(), [`${second} in_progress→in_progress newest`], 'the first still runs while the second deploys');
    await store.markReported(second, 'in_progress', 502);
    const third = await deploy(C, 'failure');
    await store.markReported(third, 'failure', 503);
    // The second was superseded before it finished: slipway ended it inactive itself.
    assert.deepEqual(await outbox(), [`${second} inactive→inactive`]);
    await store.markReported(second, 'inactive', 502);
    assert.deepEqual(await outbox(), [], 'a failed deployment leaves the running one as it is');
    const fourth = await deploy(A, 'success');
    assert.deepEqual(await outbox(), [`${fourth} success→success newest`, `${first} success→inactive`, `${third} failure→inactive`]);
    for (const id of [fourth, first, third]) await store.markReported(id, id === fourth ? 'success' : 'inactive', null);
    assert.deepEqual(await outbox(), [], 'inactive is final');
  });

  test('a destroyed environment: its running deployment and a failed one after it end inactive', async (t) => {
    const { store, env, fence, deploy, outbox } = await preview(t);
    const good = await deploy(A, 'success');
    await store.markReported(good, 'success', 501);
    const bad = await deploy(B, 'failure');
    await store.markReported(bad, 'failure', 502);
    await store.changeEnvironments([{ kind: 'destroy', app: 'web', env: 'pr-7', reason: 'closed', trigger: 'pull_request.closed' }], 'd1');
    assert.deepEqual(await outbox(), [], 'asked to destroy is not destroyed yet');
    await store.completeDestroy(env.id, env.generation + 1, fence);
    assert.deepEqual(await outbox(), [`${good} inactive→inactive`, `${bad} failure→inactive newest`]);
  });

  test('a deployment never reported to GitHub is not made inactive there', async (t) => {
    const { store, deploy, outbox } = await preview(t);
    const first = await deploy(A, 'success');
    await store.markReported(first, 'success', null);
    const second = await deploy(B, 'success');
    assert.deepEqual(await outbox(), [`${second} success→success newest`]);
  });

  test('the comment of a pull request is kept per repository (any case) and number', async (t) => {
    const { store } = await preview(t);
    assert.equal(await store.getPrComment('acme/web', 7), null);
    await store.putPrComment({ repo: 'acme/web', pr: 7, commentId: 9001, body: 'one' });
    await store.putPrComment({ repo: 'acme/web', pr: 8, commentId: 9002, body: 'other' });
    await store.putPrComment({ repo: 'Acme/Web', pr: 7, commentId: 9001, body: 'two' });
    assert.deepEqual(await store.getPrComment('ACME/web', 7), { repo: 'acme/web', pr: 7, commentId: 9001, body: 'two' });
    assert.equal((await store.getPrComment('acme/web', 8))?.body, 'other');
  });
}
