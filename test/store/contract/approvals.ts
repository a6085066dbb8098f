import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApprovalNote } from '../../../src/domain/approvals.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreFactory } from './factory.js';
import { finishPending } from './inbox.js';

/** The approvals part of the Store contract: every store implementation passes it. */
export function approvalsContract(open: StoreFactory): void {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);


  let delivery = 0;
  async function note(store: Store, approval: ApprovalNote) {
    const id = `d${++delivery}`;
    await store.insertDelivery({ id, event: 'issue_comment', action: null, hookId: null, targetType: null, targetId: null, repository: 'acme/web', receivedAt: 500, payload: Buffer.from('{}') });
    await finishPending(store, [{ id, status: 'processed', error: null, processedAt: 1000 + delivery, approvals: [approval] }]);
  }

  const view = async (store: Store) => {
    const found = await store.approvalFor('ACME/web', 7);
    return found && { state: found.state, sha: found.sha, by: found.by, reason: found.reason };
  };

  /** A fork preview of pull request 7 (fork: true, as policy marks it). */
  async function forkPreview(store: Store) {
    await store.changeEnvironments([{ kind: 'follow', app: 'web', env: 'pr-7', ref: 'refs/pull/7/head', shaHint: A, pr: 7, branch: 'fix', ttlMs: null, trigger: 'pull_request.opened', fork: true }], 'test');
    const env = await store.getEnvironment('web', 'pr-7');
    assert.ok(env !== null);
    const fence = { lease: `env:${env.id}`, token: (await store.acquireLease(`env:${env.id}`, 'r', 60_000)) ?? 0 };
    await store.markConverged(env.id, env.generation, fence);
    return env;
  }

  test('a fork head awaits; a request is checked; an approval holds for its head only and wakes the fork preview', async (t) => {
    const store = await open(t);
    const env = await forkPreview(store);
    assert.equal(env.fork, true);
    assert.equal(await store.approvalFor('acme/web', 7), null);

    await note(store, { kind: 'head', repo: 'acme/web', pr: 7, sha: A });
    assert.deepEqual(await view(store), { state: 'awaiting', sha: A, by: null, reason: null });
    await note(store, { kind: 'request', repo: 'acme/web', pr: 7, login: 'octo' });
    assert.deepEqual(await view(store), { state: 'awaiting', sha: A, by: 'octo', reason: 'checking whether @octo may approve' });
    assert.deepEqual(await store.approvalRequests(), [{ repo: 'acme/web', pr: 7, login: 'octo', headSha: A }]);

    // A decision for a request a newer one replaced is dropped.
    await store.decideApproval({ repo: 'acme/web', pr: 7, login: 'someone-else', state: 'approved', sha: A, reason: null, apps: ['web'] });
    assert.equal((await view(store))?.state, 'awaiting');
    await store.decideApproval({ repo: 'acme/web', pr: 7, login: 'octo', state: 'approved', sha: A, reason: null, apps: ['web'] });
    assert.deepEqual(await view(store), { state: 'approved', sha: A, by: 'octo', reason: null });
    assert.deepEqual(await store.approvalRequests(), []);
    const woken = await store.getEnvironment('web', 'pr-7');
    assert.equal(woken?.generation, env.generation + 1);
    assert.equal(woken?.lastTrigger, 'approval');

    // The same head again changes nothing; a new head needs a new approval.
    await note(store, { kind: 'head', repo: 'acme/web', pr: 7, sha: A });
    assert.equal((await view(store))?.state, 'approved');
    await note(store, { kind: 'head', repo: 'acme/web', pr: 7, sha: B });
    assert.deepEqual(await view(store), { state: 'awaiting', sha: B, by: null, reason: `new commits since the approval of ${A.slice(0, 12)}; a new approval is needed` });
  });

  test('a refusal wakes nothing; a follow without a fork flag keeps the environment a fork', async (t) => {
    const store = await open(t);
    const env = await forkPreview(store);
    await note(store, { kind: 'head', repo: 'acme/web', pr: 7, sha: A });
    await note(store, { kind: 'request', repo: 'acme/web', pr: 7, login: 'reader' });
    await store.decideApproval({ repo: 'acme/web', pr: 7, login: 'reader', state: 'refused', sha: null, reason: '@reader lacks write permission', apps: ['web'] });
    assert.deepEqual(await view(store), { state: 'refused', sha: null, by: 'reader', reason: '@reader lacks write permission' });
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.generation, env.generation);
    // A deploy asked through the API (a follow that does not say) never clears the fork flag.
    await store.changeEnvironments([{ kind: 'follow', app: 'web', env: 'pr-7', ref: 'refs/pull/7/head', shaHint: null, pr: 7, branch: 'fix', ttlMs: null, trigger: 'api', clearQuarantine: true }], 'api');
    assert.equal((await store.getEnvironment('web', 'pr-7'))?.fork, true);
  });
}
