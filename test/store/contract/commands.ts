import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommandNote } from '../../../src/domain/commands.js';
import type { EnvironmentChange } from '../../../src/domain/environments.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreFactory } from './factory.js';
import { finishPending } from './inbox.js';

/** The pull request commands part of the Store contract (and the TTL, keep and hold they rely on): every store implementation passes it. */
export function commandsContract(open: StoreFactory): void {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  const TTL = 3_600_000;
  const follow = (overrides: Partial<Extract<EnvironmentChange, { kind: 'follow' }>> = {}): EnvironmentChange => ({
    kind: 'follow', app: 'web', env: 'pr-7', ref: 'refs/pull/7/head', shaHint: A, pr: 7, branch: 'fix', ttlMs: TTL, trigger: 'pull_request.opened', ...overrides,
  });
  const command = (fields: Partial<Extract<EnvironmentChange, { kind: 'command' }>>): EnvironmentChange => ({ kind: 'command', app: 'web', env: 'pr-7', trigger: 'command.test', ...fields });
  const note = (overrides: Partial<CommandNote> = {}): CommandNote => ({ repo: 'acme/web', pr: 7, pullRequest: true, commentId: 70, login: 'octo', text: '/slipway keep', refusal: null, ...overrides });

  let delivery = 0;
  async function deliver(store: Store, commands: CommandNote[], id = `d${++delivery}`) {
    await store.insertDelivery({ id, event: 'issue_comment', action: 'created', hookId: null, targetType: null, targetId: null, repository: 'acme/web', receivedAt: 500, payload: Buffer.from('{}') });
    await finishPending(store, [{ id, status: 'processed', error: null, processedAt: Date.now(), commands }]);
    return id;
  }
  const env = async (store: Store) => (await store.getEnvironment('web', 'pr-7')) ?? assert.fail('no pr-7');

  test('a command is kept once per comment, however often its delivery is applied, and is pending until decided and reacted to', async (t) => {
    const store = await open(t);
    const id = await deliver(store, [note()]);
    // The same delivery replayed, and another delivery of the same comment (a redelivery under a new id).
    assert.equal(await store.requeueDelivery(id), true);
    await finishPending(store, [{ id, status: 'processed', error: null, processedAt: Date.now(), commands: [note({ text: '/slipway destroy' })] }]);
    await deliver(store, [note({ text: '/slipway destroy' })]);
    await deliver(store, [note({ commentId: 71, pr: 8, pullRequest: false, refusal: 'commands work on pull requests, and this is an issue' })]);
    const pending = await store.pendingCommands();
    assert.deepEqual(pending.map((c) => [c.commentId, c.text, c.state, c.outcome, c.reaction, c.pullRequest, c.deliveryId === id]), [
      [70, '/slipway keep', 'received', null, null, true, true],
      [71, '/slipway keep', 'refused', 'commands work on pull requests, and this is an issue', null, false, false],
    ]);
    await store.markReacted('ACME/web', 71, 'eyes');
    await store.markReacted('acme/web', 71, 'confused');
    assert.deepEqual((await store.pendingCommands()).map((c) => c.commentId), [70], 'refused and its last reaction posted: done with');
    assert.equal((await store.lastCommand('acme/web', 7))?.state, 'received');
    assert.equal(await store.lastCommand('acme/web', 9), null);
  });

  test('a decision applies its changes with its outcome, once; the newest command is the one the comment shows', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow()], 'test');
    await deliver(store, [note()]);
    const decision = { repo: 'acme/web', commentId: 70, state: 'done' as const, outcome: 'web/pr-7 is kept: no TTL, no sleep', changes: [command({ keep: true })] };
    assert.equal(await store.decideCommand(decision), true);
    assert.equal(await store.decideCommand({ ...decision, state: 'refused', outcome: 'again', changes: [command({ redeploy: true })] }), false);
    const kept = await env(store);
    assert.equal(kept.keep, true);
    assert.equal(kept.redeploy, false, 'the second decision changed nothing');
    const shown = await store.lastCommand('acme/web', 7);
    assert.deepEqual([shown?.state, shown?.outcome, shown?.reaction, typeof shown?.decidedAt], ['done', 'web/pr-7 is kept: no TTL, no sleep', null, 'number']);
    assert.deepEqual((await store.pendingCommands()).map((c) => c.state), ['done'], 'its 🚀 is still to be posted');
    await store.markReacted('acme/web', 70, 'rocket');
    assert.deepEqual(await store.pendingCommands(), []);
    await deliver(store, [note({ commentId: 72, text: '/slipway sleep' })]);
    assert.equal((await store.lastCommand('acme/web', 7))?.text, '/slipway sleep');
  });

  test('the TTL counts from a new commit or a command, not from a follow that names the same head (a label change)', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow()], 'test');
    const opened = await env(store);
    assert.equal(opened.expiresAt, (opened.lastCommitAt ?? 0) + TTL);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.changeEnvironments([follow({ trigger: 'pull_request.labeled' }), follow({ trigger: 'sweep' })], 'test');
    const labelled = await env(store);
    assert.deepEqual([labelled.lastCommitAt, labelled.expiresAt], [opened.lastCommitAt, opened.expiresAt]);
    assert.equal(labelled.generation, opened.generation + 2, 'still converged again');

    await store.changeEnvironments([follow({ shaHint: B, trigger: 'pull_request.synchronize' })], 'test');
    const pushed = await env(store);
    assert.ok((pushed.lastCommitAt ?? 0) > (opened.lastCommitAt ?? 0));
    assert.equal(pushed.expiresAt, (pushed.lastCommitAt ?? 0) + TTL);

    // A command counts; extend pushes the expiry out; a later push never brings it closer.
    await store.changeEnvironments([command({ extendMs: 48 * TTL })], 'test');
    const extended = await env(store);
    assert.equal(extended.expiresAt, (extended.lastCommitAt ?? 0) + TTL + 48 * TTL);
    assert.equal(extended.generation, pushed.generation, 'extend deploys nothing');
    await store.changeEnvironments([follow({ shaHint: A, trigger: 'pull_request.synchronize' })], 'test');
    assert.equal((await env(store)).expiresAt, extended.expiresAt);
    // A changed TTL counts anew from the last commit.
    await store.changeEnvironments([follow({ shaHint: A, ttlMs: 2 * TTL, trigger: 'pull_request.edited' })], 'test');
    const longer = await env(store);
    assert.equal(longer.expiresAt, (longer.lastCommitAt ?? 0) + 2 * TTL);
  });

  test('a kept environment never expires; the label removed lets it expire by its TTL, which the label change did not restart', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow({ ttlMs: 1 })], 'test');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual((await store.expiredEnvironments()).map((e) => e.name), ['pr-7']);
    await store.changeEnvironments([follow({ ttlMs: 1, keep: true, trigger: 'pull_request.labeled' })], 'test');
    assert.equal((await env(store)).keep, true);
    assert.deepEqual(await store.expiredEnvironments(), []);
    await store.changeEnvironments([follow({ ttlMs: 1, trigger: 'pull_request.synchronize', shaHint: A })], 'test');
    assert.equal((await env(store)).keep, true, 'a follow that does not say leaves it');
    await store.changeEnvironments([follow({ ttlMs: 1, keep: false, trigger: 'pull_request.unlabeled' })], 'test');
    assert.equal((await env(store)).keep, false);
    assert.deepEqual((await store.expiredEnvironments()).map((e) => e.name), ['pr-7']);
  });

  test('destroyed by command: a follow of the same head leaves it destroyed, a new head brings it back; another destroy does not hold', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow()], 'test');
    const hold: EnvironmentChange = { kind: 'destroy', app: 'web', env: 'pr-7', reason: 'destroyed by /slipway destroy', trigger: 'command.destroy', hold: true };
    await store.changeEnvironments([hold], 'test');
    const destroyed = await env(store);
    await store.changeEnvironments([follow({ trigger: 'pull_request.labeled', keep: true }), follow({ trigger: 'sweep' })], 'test');
    const after = await env(store);
    assert.deepEqual([after.present, after.generation, after.keep], [false, destroyed.generation, true], 'stays destroyed; the label still counts');
    // Asked for by hand (no head named): it comes back.
    await store.changeEnvironments([follow({ shaHint: null, trigger: 'api.deploy' })], 'test');
    assert.equal((await env(store)).present, true);
    await store.changeEnvironments([hold], 'test');
    await store.changeEnvironments([follow({ shaHint: B, trigger: 'pull_request.synchronize' })], 'test');
    assert.deepEqual([(await env(store)).present, (await env(store)).state], [true, 'pending']);

    await store.changeEnvironments([{ kind: 'destroy', app: 'web', env: 'pr-7', reason: 'closed', trigger: 'pull_request.closed' }], 'test');
    await store.changeEnvironments([follow({ shaHint: B, trigger: 'pull_request.reopened' })], 'test');
    assert.equal((await env(store)).present, true, 'reopened at the same head');
  });

  test('redeploy follows the head again (a pin ends, a quarantine lifts) and stays asked for until a deployment of its generation begins; a command on a destroyed environment does nothing', async (t) => {
    const store = await open(t);
    await store.changeEnvironments([follow()], 'test');
    await store.changeEnvironments([{ kind: 'pin', app: 'web', env: 'pr-7', sha: B, trigger: 'rollback' }], 'test');
    const pinned = await env(store);
    await store.changeEnvironments([command({ redeploy: true, trigger: 'command.redeploy' })], 'test');
    const asked = await env(store);
    assert.deepEqual([asked.redeploy, asked.pinnedSha, asked.generation, asked.lastTrigger], [true, null, pinned.generation + 1, 'command.redeploy']);
    const name = `env:${asked.id}`;
    const fence = { lease: name, token: (await store.acquireLease(name, 'r', 60_000)) ?? assert.fail() };
    // A periodic nudge between the reconciler's read and the deployment's start makes the generation newer, but asks no redeploy.
    await store.changeEnvironments([{ kind: 'nudge', app: 'web', env: 'pr-7', trigger: 'resync', periodic: true }], 'test');
    await store.beginDeployment({ environmentId: asked.id, generation: asked.generation, sha: A, ref: asked.desiredRef, trigger: 'command.redeploy', deliveryId: null, fence });
    assert.equal((await env(store)).redeploy, false, 'the deployment of the generation it was asked at does it');
    // One asked after that deployment's generation is still to do when it ends, until a deployment of its generation.
    await store.changeEnvironments([{ kind: 'nudge', app: 'web', env: 'pr-7', trigger: 'reload', redeploy: true }], 'test');
    await store.markConverged(asked.id, asked.generation + 1, fence);
    const again = await env(store);
    assert.equal(again.redeploy, true);
    await store.markConverged(asked.id, again.generation, fence);
    assert.equal((await env(store)).redeploy, false);

    await store.changeEnvironments([{ kind: 'destroy', app: 'web', env: 'pr-7', reason: 'x', trigger: 'x' }], 'test');
    const gone = await env(store);
    await store.changeEnvironments([command({ redeploy: true, keep: true, extendMs: TTL })], 'test');
    const still = await env(store);
    assert.deepEqual([still.generation, still.keep, still.redeploy, still.expiresAt], [gone.generation, false, false, gone.expiresAt]);
  });
}
