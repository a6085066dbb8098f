import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Inbox } from '../../src/ingest/inbox.js';
import { sign } from '../../src/ingest/signature.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp.js';

const body = Buffer.from(JSON.stringify({ zen: 'Favor focus over features.', hook_id: 1 }));
const headers = (id: string) => ({
  'content-type': 'application/json',
  'x-github-event': 'ping',
  'x-github-delivery': id,
  'x-hub-signature-256': sign('s', body),
});

test('past its bound of deliveries awaiting a commit, the inbox answers busy and stores nothing more', async (t) => {
  const store = await SqliteStore.open(tempDir(t));
  t.after(() => store.close());
  const inbox = new Inbox(store, ['s'], 2);
  // The body as the webhook route hands it over: fed to the request's signature check as it arrived.
  const receive = (id: string) => {
    const signature = inbox.signatureCheck(headers(id));
    signature?.update(body);
    return inbox.receive(headers(id), 'application/json', body, signature);
  };
  const first = receive('a');
  const second = receive('b');
  await assert.rejects(receive('c'), { code: 'busy', status: 503 });
  assert.deepEqual([(await first).outcome, (await second).outcome], ['inserted', 'inserted']);
  assert.equal(await store.getDelivery('c'), null);
  assert.equal((await receive('c')).outcome, 'inserted', 'room again once committed');
});
