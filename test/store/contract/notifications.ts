import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { BeginDeployment, Environment, Fence } from '../../../src/domain/environments.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreFactory } from './factory.js';
import { POLICY, pruneAll } from './retention.js';

/** The notifications part of the Store contract: every store implementation passes it. */
export function notificationsContract(open: StoreFactory): void {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);

  /** web/pr-7, following its pull request, with the lease to write its deployments. */
  async function preview(t: TestContext) {
    const store = await open(t);
    await store.changeEnvironments([{ kind: 'follow', app: 'web', env: 'pr-7', ref: 'refs/pull/7/head', shaHint: null, pr: 7, branch: 'feature/x', ttlMs: null, trigger: 'pull_request.opened' }], 'd0');
    const env = (await store.getEnvironment('web', 'pr-7')) as Environment;
    const fence: Fence = { lease: `env:${env.id}`, token: (await store.acquireLease(`env:${env.id}`, 'r', 60_000)) ?? 0 };
    const begin = async (sha: string, extra: Partial<BeginDeployment> = {}) => {
      const now = (await store.getEnvironment('web', 'pr-7')) as Environment;
      return store.beginDeployment({ environmentId: env.id, generation: now.generation, sha, ref: now.desiredRef, trigger: now.lastTrigger, deliveryId: 'd0', fence, ...extra });
    };
    const deploy = async (sha: string, state: 'success' | 'failure' | 'error' | 'inactive', extra: { retry?: boolean } = {}) => {
      const begun = await begin(sha);
      await store.completeDeployment({ id: begun.id, state, error: state === 'success' ? null : 'build failed:\nexit 3', log: '', url: state === 'success' ? 'http://pr-7.web.test' : null, fence, ...extra });
      return begun.id;
    };
    const events = async () => (await store.recordedEvents(50)).map((event) => event.facts);
    return { store, env, fence, begin, deploy, events };
  }

  /** Queues every recorded event for `receivers` (each wants all), forgetting the events. */
  async function queueAll(store: Store, receivers: string[]) {
    const events = await store.recordedEvents(50);
    await store.queueNotifications(events.map(({ seq }) => ({ seq, notifications: receivers.map((receiver) => ({ id: `${receiver}-${seq}`, receiver })) })));
    return events;
  }

  test('a deployment that ends records its event with it: succeeded from one sha to the next, failed with why', async (t) => {
    const { deploy, events } = await preview(t);
    const first = await deploy(A, 'success');
    const second = await deploy(B, 'failure');
    const [ok, bad, ...rest] = await events();
    assert.deepEqual(rest, []);
    assert.deepEqual({ ...ok, at: 0, startedAt: 0, finishedAt: 0 }, {
      event: 'succeeded', app: 'web', environment: 'pr-7', deployment: first, sha: A, fromSha: null, ref: 'refs/pull/7/head', pr: 7, branch: 'feature/x',
      state: 'success', url: 'http://pr-7.web.test', error: null, reason: null, trigger: 'pull_request.opened', startedAt: 0, finishedAt: 0, at: 0,
    });
    assert.equal(typeof ok?.finishedAt, 'number');
    assert.deepEqual(
      { event: bad?.event, deployment: bad?.deployment, sha: bad?.sha, fromSha: bad?.fromSha, state: bad?.state, error: bad?.error, url: bad?.url },
      { event: 'failed', deployment: second, sha: B, fromSha: A, state: 'failure', error: 'build failed:\nexit 3', url: 'http://pr-7.web.test' },
      'a failure names the sha that still runs, and where',
    );
  });

  test('cancelled and passing failures record nothing; a wait records its reason, a gate that fails at once records no wait', async (t) => {
    const { store, fence, begin, deploy, events } = await preview(t);
    await deploy(A, 'inactive');
    await deploy(A, 'error', { retry: true });
    assert.deepEqual(await events(), [], 'a cancelled attempt and one tried again later are not news');
    const waiting = await begin(A, { waiting: 'gate: waiting for check test (missing)' });
    const [wait] = await events();
    assert.deepEqual({ event: wait?.event, deployment: wait?.deployment, state: wait?.state, reason: wait?.reason, startedAt: wait?.startedAt, finishedAt: wait?.finishedAt },
      { event: 'waiting', deployment: waiting.id, state: 'waiting', reason: 'gate: waiting for check test (missing)', startedAt: null, finishedAt: null });
    await queueAll(store, []);
    const gate = await begin(B, { waiting: 'checking the gate', quiet: true });
    await store.completeDeployment({ id: gate.id, state: 'failure', error: 'CI failed: check test failed (failure)', log: '', url: null, fence });
    const recorded = await events();
    assert.deepEqual(recorded.map((facts) => `${facts.event} ${facts.startedAt} ${facts.error}`), ['failed null CI failed: check test failed (failure)']);
  });

  test('a rollback carried out is recorded as rolled-back from the failed sha, with why; the next deployment is plain again', async (t) => {
    const { store, deploy, events } = await preview(t);
    await deploy(A, 'success');
    await deploy(B, 'success');
    await queueAll(store, []);
    await store.changeEnvironments([{ kind: 'rollback', app: 'web', env: 'pr-7', trigger: 'api.rollback', reason: 'rolled back by hand', failedSha: null, toSha: null, quarantine: true }], 'api');
    const back = await deploy(A, 'success');
    const [rolled] = await events();
    assert.deepEqual({ event: rolled?.event, deployment: rolled?.deployment, sha: rolled?.sha, fromSha: rolled?.fromSha, reason: rolled?.reason, trigger: rolled?.trigger },
      { event: 'rolled-back', deployment: back, sha: A, fromSha: B, reason: 'rolled back by hand', trigger: 'api.rollback' });
    await queueAll(store, []);
    await deploy(A, 'success');
    assert.deepEqual((await events()).map((facts) => facts.event), ['succeeded']);
  });

  test('a destroy is recorded once, when the target has removed the environment, with the reason it was asked for', async (t) => {
    const { store, env, fence, deploy, events } = await preview(t);
    await deploy(A, 'success');
    await queueAll(store, []);
    await store.changeEnvironments([{ kind: 'destroy', app: 'web', env: 'pr-7', reason: 'pull request #7 was merged', trigger: 'pull_request.closed' }], 'd1');
    assert.deepEqual(await events(), [], 'asked to destroy is not destroyed yet');
    await store.completeDestroy(env.id, env.generation + 1, fence);
    await store.completeDestroy(env.id, env.generation + 1, fence);
    const recorded = await events();
    assert.deepEqual(recorded.map((facts) => ({ event: facts.event, state: facts.state, sha: facts.sha, reason: facts.reason, trigger: facts.trigger, deployment: facts.deployment })),
      [{ event: 'destroyed', state: 'destroyed', sha: A, reason: 'pull request #7 was merged', trigger: 'pull_request.closed', deployment: null }]);
  });

  test('queued events become one notification per receiver, each queue in order; an event is queued once', async (t) => {
    const { store, deploy, events } = await preview(t);
    await deploy(A, 'success');
    await deploy(B, 'failure');
    const recorded = await store.recordedEvents(50);
    const [first, second] = recorded;
    assert.ok(first !== undefined && second !== undefined);
    await store.queueNotifications([
      { seq: first.seq, notifications: [{ id: 'n1', receiver: 'chat' }, { id: 'n2', receiver: 'audit' }] },
      { seq: second.seq, notifications: [{ id: 'n3', receiver: 'chat' }] },
    ]);
    assert.deepEqual(await events(), []);
    await store.queueNotifications([{ seq: first.seq, notifications: [{ id: 'n4', receiver: 'chat' }] }]);
    assert.equal(await store.getNotification('n4'), null, 'an event already queued is not queued again');
    const next = await store.nextNotification('chat');
    assert.equal(next?.id, 'n1');
    assert.deepEqual({ state: next?.state, attempts: next?.attempts, event: next?.event, app: next?.app, environment: next?.environment, sha: next?.facts.sha },
      { state: 'pending', attempts: 0, event: 'succeeded', app: 'web', environment: 'pr-7', sha: A });
    assert.equal((await store.nextNotification('audit'))?.id, 'n2');
    assert.equal(await store.nextNotification('nobody'), null);
  });

  test('tries are recorded: pending with the next time, then delivered; a finished one is left as it is', async (t) => {
    const { store, deploy } = await preview(t);
    await deploy(A, 'success');
    await queueAll(store, ['chat']);
    const [queued] = await store.listNotifications({ limit: 10 });
    assert.ok(queued !== undefined);
    await store.recordAttempt({ id: queued.id, at: 1000, state: 'pending', nextAttemptAt: 5000, status: 503, answer: 'busy', error: 'answered 503' });
    let now = await store.getNotification(queued.id);
    assert.deepEqual({ state: now?.state, attempts: now?.attempts, next: now?.nextAttemptAt, status: now?.lastStatus, answer: now?.lastAnswer, error: now?.lastError, at: now?.lastAttemptAt, finished: now?.finishedAt },
      { state: 'pending', attempts: 1, next: 5000, status: 503, answer: 'busy', error: 'answered 503', at: 1000, finished: null });
    await store.recordAttempt({ id: queued.id, at: 6000, state: 'delivered', status: 200, answer: 'ok', error: null });
    await store.recordAttempt({ id: queued.id, at: 7000, state: 'failed', status: 400, answer: 'late', error: 'answered 400' });
    now = await store.getNotification(queued.id);
    assert.deepEqual({ state: now?.state, attempts: now?.attempts, status: now?.lastStatus, finished: now?.finishedAt }, { state: 'delivered', attempts: 2, status: 200, finished: 6000 });
    assert.equal(await store.nextNotification('chat'), null);
  });

  test('listing filters by state and receiver and pages newest first; only a failed one is resent, with its window anew', async (t) => {
    const { store, deploy } = await preview(t);
    for (const sha of [A, B, A]) await deploy(sha, 'success');
    await queueAll(store, ['chat', 'audit']);
    const all = await store.listNotifications({ limit: 10 });
    assert.equal(all.length, 6);
    const [newest, next] = all;
    assert.ok(newest !== undefined && next !== undefined);
    assert.deepEqual((await store.listNotifications({ limit: 2, before: newest.id })).map((n) => n.id), all.slice(1, 3).map((n) => n.id));
    assert.deepEqual((await store.listNotifications({ limit: 10, receiver: 'audit' })).map((n) => n.receiver), ['audit', 'audit', 'audit']);
    await store.recordAttempt({ id: next.id, at: 1, state: 'failed', status: 400, answer: 'no', error: 'answered 400' });
    assert.deepEqual((await store.listNotifications({ limit: 10, state: 'failed' })).map((n) => n.id), [next.id]);
    assert.equal(await store.resendNotification(newest.id), false, 'a pending one is not resent');
    assert.equal(await store.resendNotification('unknown'), false);
    assert.equal(await store.resendNotification(next.id), true);
    const resent = await store.getNotification(next.id);
    assert.equal(resent?.state, 'pending');
    assert.equal(resent?.finishedAt, null);
    assert.ok((resent?.since ?? 0) > 1 && resent?.nextAttemptAt === resent?.since, 'tried now, its 24 hours counted from now');
    assert.equal(resent?.attempts, 1, 'the tries so far are kept');
  });

  test('receivers gone from the config fail their pending notifications; old finished ones are pruned', async (t) => {
    const { store, deploy } = await preview(t);
    await deploy(A, 'success');
    await deploy(B, 'success');
    await queueAll(store, ['chat', 'gone']);
    const [latest] = await store.listNotifications({ limit: 1, receiver: 'chat' });
    assert.ok(latest !== undefined);
    await store.recordAttempt({ id: latest.id, at: 1000, state: 'delivered', status: 200, answer: '', error: null });
    assert.equal(await store.abandonNotifications(['chat'], 'its receiver is no longer in the config'), 2);
    const failed = await store.listNotifications({ limit: 10, state: 'failed' });
    assert.deepEqual(failed.map((n) => `${n.receiver} ${n.lastError}`), ['gone its receiver is no longer in the config', 'gone its receiver is no longer in the config']);
    assert.equal((await store.listNotifications({ limit: 10, state: 'pending' })).length, 1);
    const { deliveredMs, failedMs } = POLICY.notifications;
    assert.equal((await pruneAll(store, 'notifications', 2000 + deliveredMs)).removed, 1, 'the delivered one finished at 1000');
    assert.equal((await pruneAll(store, 'notifications', Date.now() + deliveredMs + 1)).removed, 0, 'failed ones are kept longer, to resend');
    assert.equal((await pruneAll(store, 'notifications', Date.now() + failedMs + 1, { limit: 1 })).removed, 2, 'then the failed ones; pending ones stay');
    assert.equal((await store.listNotifications({ limit: 10 })).length, 1);
  });
}
