import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { ESSENTIAL_EVENTS } from '../../src/events/normalize.js';
import { startTestService } from '../helpers/service.js';
import { deliver, eventually } from '../helpers/webhook.js';

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: unknown[] }[];

/** The fixture files' events, from their names (README.md in the folder lists them). */
const FIXTURE_EVENTS: Record<string, string> = {
  push: 'push',
  'pull-request': 'pull_request',
  create: 'create',
  delete: 'delete',
  'check-suite': 'check_suite',
  'workflow-run': 'workflow_run',
  'deployment-status': 'deployment_status',
};

function fixtures(): { event: string; name: string; payload: unknown }[] {
  const dir = 'test/fixtures/payloads';
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const prefix = Object.keys(FIXTURE_EVENTS).find((key) => file.startsWith(`${key}-`));
      assert.ok(prefix, `no event known for fixture ${file}`);
      return { event: FIXTURE_EVENTS[prefix] ?? '', name: file, payload: JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) };
    });
}

async function settled(service: Awaited<ReturnType<typeof startTestService>>, id: string) {
  return eventually(async () => {
    const row = await service.store.getDelivery(id);
    return row === null || row.status === 'pending' ? undefined : row;
  });
}

test('every official example of the twelve events, and each fixture, is accepted and processed', async (t) => {
  const service = await startTestService(t);
  const sent: { id: string; label: string }[] = [];
  for (const event of ESSENTIAL_EVENTS) {
    const set = examples.find((entry) => entry.name === event);
    assert.ok(set && set.examples.length > 0, `examples for ${event}`);
    for (const [index, payload] of set.examples.entries()) {
      const answer = await deliver(service.url, { event, payload, form: index % 2 === 1 });
      assert.equal(answer.status, 202, `${event} example ${index}: ${answer.body}`);
      sent.push({ id: answer.id, label: `${event} example ${index}` });
    }
  }
  const handMade = fixtures();
  assert.equal(handMade.length, 10);
  for (const fixture of handMade) {
    const answer = await deliver(service.url, { event: fixture.event, payload: fixture.payload });
    assert.equal(answer.status, 202, fixture.name);
    sent.push({ id: answer.id, label: fixture.name });
  }
  for (const { id, label } of sent) {
    const row = await settled(service, id);
    assert.equal(row.status, 'processed', `${label}: ${row.error ?? ''}`);
  }
  const push = await service.store.getDelivery(sent.find((s) => s.label === 'push-main.json')?.id ?? '');
  assert.equal(push?.repository, 'acme/webapp');
});

test('other events are ignored, and a payload that cannot be used fails without stopping the dispatcher', async (t) => {
  const service = await startTestService(t);
  const star = await deliver(service.url, { event: 'star', payload: { action: 'created', repository: { full_name: 'acme/web' } } });
  const push = JSON.parse(readFileSync('test/fixtures/payloads/push-main.json', 'utf8')) as Record<string, unknown>;
  const broken = await deliver(service.url, { event: 'push', payload: { ...push, ref: 42 } });
  const after = await deliver(service.url, { event: 'ping', payload: { zen: 'Approachable is better than simple.', hook_id: 1 } });
  assert.equal((await settled(service, star.id)).status, 'ignored');
  const failed = await settled(service, broken.id);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /^push payload: ref: expected a string, got a number$/);
  assert.equal((await settled(service, after.id)).status, 'processed');
});
