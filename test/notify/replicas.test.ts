import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReceiverConfig } from '../../src/config/schema.js';
import { createLogger } from '../../src/logger.js';
import { Notifier } from '../../src/notify/notifier.js';
import { testDatabase } from '../helpers/postgres.js';
import { startReceiver } from '../helpers/receiver.js';
import { follow, seedDeployments } from '../helpers/seed.js';
import { eventually } from '../helpers/webhook.js';

// Replicas on one PostgreSQL database: the notifier runs on replica B (the one holding the
// notifications lease, so the one that sends), while deployments end and notifications are
// resent through replica A's store. B polls ten minutes apart: only the store's word of what A
// did can wake it within the test.

const TEN_MINUTES = 600_000;

test('the notifier on one replica sends at once what another replica recorded, and what it resent', async (t) => {
  const db = await testDatabase(t);
  const [a, b] = [await db.open({ poolSize: 2 }), await db.open({ poolSize: 2 })];
  const refusing = { now: false };
  const chat = await startReceiver(t, () => (refusing.now ? { status: 400, body: 'unknown channel' } : {}));
  const receiver: ReceiverConfig = { name: 'chat', url: chat.url, format: 'json', on: ['succeeded', 'failed'], apps: null, environments: null, secret: null };
  const notifier = new Notifier({ store: b, receivers: [receiver], publicUrl: null, log: createLogger({ level: 'silent', pretty: false }), timing: { pollMs: TEN_MINUTES } });
  notifier.start();
  t.after(() => notifier.stop());
  const sent = (count: number) => eventually(async () => (chat.received.length >= count ? chat.deliveries() : undefined), 20_000);

  await a.changeEnvironments([follow('web', 'qa', 'refs/heads/main')], 'push');
  // Two events, one after the other: B's first look, at its start, may find the first; only
  // word from the store brings it the second before its next poll.
  await seedDeployments(a, 'web', 'qa', [{ state: 'success', sha: 'a'.repeat(40) }]);
  await sent(1);
  await seedDeployments(a, 'web', 'qa', [{ state: 'failure', sha: 'b'.repeat(40) }]);
  await sent(2);
  assert.deepEqual(chat.bodies().map((body) => body.event), ['succeeded', 'failed']);

  // The receiver refuses the next one for good; resent through A once it takes them again, B sends it again at once.
  refusing.now = true;
  await seedDeployments(a, 'web', 'qa', [{ state: 'success', sha: 'c'.repeat(40) }]);
  const refused = (await sent(3))[2] ?? '';
  await eventually(async () => ((await a.getNotification(refused))?.state === 'failed' ? true : undefined), 20_000);
  refusing.now = false;
  assert.equal(await a.resendNotification(refused), true);
  assert.equal((await sent(4))[3], refused);
  await eventually(async () => ((await a.getNotification(refused))?.state === 'delivered' ? true : undefined), 20_000);
});
