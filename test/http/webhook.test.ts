import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { sign } from '../../src/ingest/signature.js';
import { SECRET, startTestService } from '../helpers/service.js';
import { deliver, eventually, send } from '../helpers/webhook.js';

const ping = { zen: 'Design for failure.', hook_id: 7, hook: { type: 'Repository', id: 7, events: ['push', 'pull_request'] } };

test('a signed JSON delivery is answered 202 once stored, then dispatched', async (t) => {
  const service = await startTestService(t);
  const answer = await deliver(service.url, { event: 'ping', payload: ping, headers: { 'x-github-hook-id': '7' } });
  assert.equal(answer.status, 202);
  assert.deepEqual(answer.json(), { id: answer.id, accepted: true });
  const stored = await service.store.getDelivery(answer.id);
  assert.equal(stored?.event, 'ping');
  assert.equal(stored?.hookId, '7');
  assert.equal(stored?.payload, JSON.stringify(ping));
  const done = await eventually(async () => {
    const row = await service.store.getDelivery(answer.id);
    return row === null || row.status === "pending" ? undefined : row;
  });
  assert.equal(done.status, 'processed');
  assert.deepEqual((await service.store.listHooks()).map((hook) => [hook.id, hook.events]), [['7', ['push', 'pull_request']]]);
});

test('a form-encoded delivery is accepted and its payload field stored as JSON', async (t) => {
  const service = await startTestService(t);
  const answer = await deliver(service.url, { event: 'ping', payload: ping, form: true });
  assert.equal(answer.status, 202);
  assert.equal((await service.store.getDelivery(answer.id))?.payload, JSON.stringify(ping));
});

test('a repeated delivery id is answered 200 duplicate and stored once', async (t) => {
  const service = await startTestService(t);
  const first = await deliver(service.url, { event: 'ping', payload: ping, id: 'same-id' });
  const second = await deliver(service.url, { event: 'ping', payload: { ...ping, zen: 'other' }, id: 'same-id' });
  assert.equal(first.status, 202);
  assert.equal(second.status, 200);
  assert.deepEqual(second.json(), { id: 'same-id', duplicate: true });
  assert.equal((await service.store.getDelivery('same-id'))?.payload, JSON.stringify(ping));
  assert.equal((await service.store.listDeliveries({ limit: 10 })).length, 1);
});

test('every configured secret is accepted (rotation)', async (t) => {
  const service = await startTestService(t, { secrets: ['old-secret', 'new-secret'] });
  assert.equal((await deliver(service.url, { event: 'ping', payload: ping, secret: 'old-secret' })).status, 202);
  assert.equal((await deliver(service.url, { event: 'ping', payload: ping, secret: 'new-secret' })).status, 202);
  assert.equal((await deliver(service.url, { event: 'ping', payload: ping, secret: SECRET })).status, 401);
});

test('bad input is refused with a JSON error, nothing is stored, and the server keeps serving', async (t) => {
  const service = await startTestService(t);
  const url = `${service.url}/webhooks/github`;
  const json = Buffer.from(JSON.stringify(ping));
  const headers = (body: Buffer, extra: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    'x-github-event': 'ping',
    'x-github-delivery': 'bad-1',
    'x-hub-signature-256': sign(SECRET, body),
    ...extra,
  });
  const truncated = json.subarray(0, json.length - 5);
  const cases: [string, Parameters<typeof send>[1], number, string][] = [
    ['no signature', { body: json, headers: { ...headers(json), 'x-hub-signature-256': '' } }, 401, 'signature_missing'],
    ['wrong signature', { body: json, headers: headers(json, { 'x-hub-signature-256': sign('wrong', json) }) }, 401, 'signature_invalid'],
    ['signature of other bytes', { body: truncated, headers: headers(json) }, 401, 'signature_invalid'],
    ['sha1 only', { body: json, headers: headers(json, { 'x-hub-signature-256': '', 'x-hub-signature': 'sha1=00' }) }, 401, 'signature_missing'],
    ['plain text', { body: json, headers: headers(json, { 'content-type': 'text/plain' }) }, 415, 'unsupported_media_type'],
    ['no content type', { body: json, headers: { ...headers(json), 'content-type': '' } }, 415, 'unsupported_media_type'],
    ['no event header', { body: json, headers: { ...headers(json), 'x-github-event': '' } }, 400, 'header_missing'],
    ['no delivery header', { body: json, headers: { ...headers(json), 'x-github-delivery': '' } }, 400, 'header_missing'],
    ['delivery id with slashes', { body: json, headers: headers(json, { 'x-github-delivery': '../../etc' }) }, 400, 'header_invalid'],
    ['truncated JSON, signed', { body: truncated, headers: headers(truncated) }, 400, 'payload_unparsable'],
    ['empty body, signed', { body: Buffer.alloc(0), headers: headers(Buffer.alloc(0)) }, 400, 'payload_unparsable'],
    ['JSON array', { body: Buffer.from('[]'), headers: headers(Buffer.from('[]')) }, 400, 'payload_unparsable'],
    ['form without payload', { body: Buffer.from('x=1'), headers: headers(Buffer.from('x=1'), { 'content-type': 'application/x-www-form-urlencoded' }) }, 400, 'payload_missing'],
    ['declared size over 25 MB', { body: json, headers: headers(json, { 'content-length': '25000001' }) }, 413, 'payload_too_large'],
  ];
  for (const [name, init, status, code] of cases) {
    const answer = await send(url, name === 'declared size over 25 MB' ? { ...init, body: undefined } : init).catch((error: Error) => {
      throw new Error(`${name}: ${error.message}`);
    });
    assert.equal(answer.status, status, name);
    const body = answer.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, code, name);
    assert.doesNotMatch(answer.body, new RegExp(SECRET), `${name}: no secret in the answer`);
    assert.doesNotMatch(answer.body, /[0-9a-f]{64}/, `${name}: no signature in the answer`);
  }
  assert.equal((await service.store.listDeliveries({ limit: 100 })).length, 0);
  assert.equal((await deliver(service.url, { event: 'ping', payload: ping })).status, 202, 'still serving');
});

test('a chunked body over 25 MB is refused with 413 without reading the rest', async (t) => {
  const service = await startTestService(t);
  const { port } = new URL(service.url);
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    // Writing on after the server closed its side fails; what it answered is what counts.
    socket.on('error', () => resolve(text));
    socket.write(
      'POST /webhooks/github HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
        `x-github-event: ping\r\nx-github-delivery: big\r\nx-hub-signature-256: sha256=${'0'.repeat(64)}\r\ntransfer-encoding: chunked\r\n\r\n`,
    );
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      // Stop writing once the server answered or after 40 MiB.
      while (sent < 40 && !text.includes('413')) {
        sent += 1;
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        if (!socket.write('\r\n')) return socket.once('drain', pump);
      }
    };
    pump();
  });
  assert.match(answer, /^HTTP\/1\.1 413/);
  assert.match(answer, /payload_too_large/);
  assert.equal(await service.store.getDelivery('big'), null);
});

test('huge headers get a 431 JSON answer and the server keeps serving', async (t) => {
  const service = await startTestService(t);
  const answer = await send(`${service.url}/webhooks/github`, {
    body: '{}',
    headers: { 'content-type': 'application/json', 'x-padding': 'a'.repeat(64 * 1024) },
  }).catch((error: Error) => ({ status: 0, body: error.message }));
  assert.equal(answer.status, 431);
  assert.match(answer.body, /headers are too large/);
  assert.equal((await deliver(service.url, { event: 'ping', payload: ping })).status, 202);
});

test('unknown paths are 404 and wrong methods 405, as JSON', async (t) => {
  const service = await startTestService(t);
  const missing = await send(`${service.url}/nope`, { method: 'GET' });
  assert.equal(missing.status, 404);
  assert.equal((missing.json() as { error: { code: string } }).error.code, 'not_found');
  const wrong = await send(`${service.url}/webhooks/github`, { method: 'GET' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.allow, 'POST');
});

test('with --insecure-skip-signature unsigned deliveries are accepted', async (t) => {
  const service = await startTestService(t, { secrets: null });
  const answer = await send(`${service.url}/webhooks/github`, {
    body: JSON.stringify(ping),
    headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'unsigned' },
  });
  assert.equal(answer.status, 202);
});
