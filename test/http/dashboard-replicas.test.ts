import { test } from 'node:test';
import { followChanges, signIn } from '../helpers/dashboard.js';
import { testDatabase } from '../helpers/postgres.js';
import { follow, seedDeployments } from '../helpers/seed.js';
import { startPgTestService } from '../helpers/service.js';
import { eventually } from '../helpers/webhook.js';

// Replicas on one PostgreSQL database: a real slipway (replica B) whose dashboard is open, and a
// store of its own on the same database standing for replica A. The dashboard polls nothing: it
// learns of A's deployments only by the store's word of them.

test('a deployment another replica records reaches this replica\'s dashboard as it happens', async (t) => {
  const db = await testDatabase(t);
  const b = await startPgTestService(t, db.url);
  const a = await db.open({ poolSize: 2 });
  // Of an app B's config does not have: B's engine leaves it alone, and writes nothing of its own.
  await a.changeEnvironments([follow('elsewhere', 'qa', 'refs/heads/main')], 'push');
  const stream = await followChanges(t, b.url, await signIn(b));

  // Two deployments, one after the other: B's word of itself listening (every topic, once) may
  // come at any time, so one of the two changes heard comes from A's writes.
  for (const sha of ['a'.repeat(40), 'b'.repeat(40)]) {
    stream.changes.length = 0;
    await seedDeployments(a, 'elsewhere', 'qa', [{ state: 'success', sha }]);
    await eventually(async () => (stream.changes.some((topics) => topics.includes('deployments')) ? true : undefined), 20_000);
  }
});
