import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { dispatchDelivery } from '../../src/engine/dispatch.js';
import { tryNormalize } from '../../src/events/normalize.js';
import type { DeliverySummary } from '../../src/store/store.js';

function capture() {
  const lines: { level: number; msg: string; missing?: string[] }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

const summary = (event: string): DeliverySummary => ({
  id: 'd1',
  seq: 1,
  event,
  action: null,
  hookId: '77',
  targetType: 'repository',
  targetId: '5',
  repository: 'acme/web',
  receivedAt: 0,
  status: 'pending',
  error: null,
  processedAt: null,
});

const ping = (hook?: object) => tryNormalize('ping', { zen: 'Non-blocking is better than blocking.', hook_id: 77, ...(hook ? { hook } : {}) });

test('a ping records its hook and warns about the essential events it does not send', async () => {
  const { log, lines } = capture();
  const result = dispatchDelivery(summary('ping'), ping({ type: 'Repository', id: 77, events: ['push', 'pull_request'] }), () => ({ intents: [], signal: null, approval: null, command: null }), log, 9);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(result.status, 'processed');
  assert.deepEqual(result.hook, { id: '77', type: 'Repository', events: ['push', 'pull_request'], repository: null, seenAt: 9 });
  const warning = lines.find((line) => line.level === 40);
  assert.deepEqual(warning?.missing, ['create', 'delete', 'deployment', 'deployment_status', 'release', 'check_run', 'check_suite', 'workflow_run', 'status']);
});

test('a hook that sends everything, or a ping without settings, gives no warning', async () => {
  const { log, lines } = capture();
  dispatchDelivery(summary('ping'), ping({ type: 'Repository', id: 77, events: ['*'] }), () => ({ intents: [], signal: null, approval: null, command: null }), log, 1);
  const bare = dispatchDelivery(summary('ping'), ping(), () => ({ intents: [], signal: null, approval: null, command: null }), log, 1);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lines.filter((line) => line.level >= 40).length, 0);
  assert.match(lines.map((line) => line.msg).join('\n'), /cannot tell which events it sends/);
  assert.equal(bare.hook?.id, '77', 'the hook id comes from the payload or the X-GitHub-Hook-ID header');
});

test('unused events are ignored and unusable payloads fail with the reason', () => {
  const { log } = capture();
  assert.equal(dispatchDelivery(summary('star'), tryNormalize('star', {}), () => ({ intents: [], signal: null, approval: null, command: null }), log, 1).status, 'ignored');
  const failed = dispatchDelivery(summary('push'), tryNormalize('push', { ref: 1 }), () => ({ intents: [], signal: null, approval: null, command: null }), log, 1);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /^push payload: /);
});
