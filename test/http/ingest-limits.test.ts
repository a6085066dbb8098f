import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { sign } from '../../src/ingest/signature.js';
import { SECRET, startTestService, type TestService } from '../helpers/service.js';
import { deliver, eventually } from '../helpers/webhook.js';

// What unauthenticated webhook requests may cost a real slipway (HTTP on 127.0.0.1, SQLite in
// a temp folder), driven over raw sockets so the test decides when each byte is sent.

/** One HTTP/1.1 request on its own connection: what the server answered so far, and when it closed. */
function rawRequest(url: string, head: Record<string, string>) {
  const socket: Socket = connect(Number(new URL(url).port), '127.0.0.1');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  // Writing on after the server closed its side fails; what it answered is what counts.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const lines = Object.entries({ host: 'slipway.test', 'content-type': 'application/json', 'x-github-event': 'ping', ...head });
  socket.write(`POST /webhooks/github HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`);
  return { socket, answer: () => answer, closed };
}

/**
 * Sends `body` in 16 KiB pieces (as chunked encoding when `chunked`), yielding between them,
 * and stops as soon as the server answered. Resolves with how many bytes went out.
 */
async function pump(request: ReturnType<typeof rawRequest>, body: Buffer, chunked = false): Promise<number> {
  let sent = 0;
  while (sent < body.length && request.answer() === '') {
    const piece = body.subarray(sent, sent + 16 * 1024);
    request.socket.write(chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
    sent += piece.length;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  if (chunked && sent === body.length) request.socket.write('0\r\n\r\n');
  return sent;
}

/** A ping payload of exactly `size` bytes. */
function pingOf(size: number): Buffer {
  const base = JSON.stringify({ zen: 'Mind your words, they are important.', hook_id: 1, pad: '' });
  return Buffer.from(base.replace('"pad":""', `"pad":"${'a'.repeat(size - base.length)}"`));
}

async function unverifiedBytes(service: TestService): Promise<number> {
  const metrics = (await service.api('GET', '/metrics')).body;
  const value = /^slipway_ingest_unverified_bytes (\d+)$/m.exec(metrics)?.[1];
  assert.ok(value !== undefined, 'the gauge is exported');
  return Number(value);
}

test('an unsigned or malformed-signature body is refused with 401 before it is read, and the connection closes', async (t) => {
  const service = await startTestService(t);
  const body = Buffer.alloc(20_000_000, 'a');
  const cases: [Record<string, string>, string][] = [
    [{}, 'signature_missing'],
    [{ 'x-hub-signature-256': 'sha256=00' }, 'signature_invalid'],
    [{ 'x-hub-signature-256': `sha1=${'0'.repeat(40)}` }, 'signature_invalid'],
  ];
  for (const [headers, code] of cases) {
    const request = rawRequest(service.url, { 'x-github-delivery': 'unsigned', 'content-length': String(body.length), ...headers });
    const sent = await pump(request, body);
    await request.closed;
    assert.match(request.answer(), /^HTTP\/1\.1 401 /, JSON.stringify(headers));
    assert.match(request.answer(), new RegExp(`"code":"${code}"`));
    assert.ok(sent < body.length, `answered while the client was still sending (${sent} of ${body.length} bytes sent)`);
  }
  assert.equal((await service.store.listDeliveries({ limit: 10 })).length, 0);
  assert.equal(await unverifiedBytes(service), 0);
});

test('the refusal reaches a client that said "Connection: close" and keeps sending before it reads', async (t) => {
  const service = await startTestService(t);
  const request = rawRequest(service.url, { 'x-github-delivery': 'closing', 'content-length': '20000000', connection: 'close' });
  // The client reads nothing yet and sends on: a server that closed its socket over these
  // unread bytes answers the next ones with a reset, and the client's socket dies with its answer unread.
  request.socket.pause();
  request.socket.write(Buffer.alloc(256 * 1024, 'a'));
  await new Promise((resolve) => setTimeout(resolve, 500));
  request.socket.write(Buffer.alloc(256 * 1024, 'a'));
  await new Promise((resolve) => setTimeout(resolve, 100));
  request.socket.resume();
  await request.closed;
  assert.match(request.answer(), /^HTTP\/1\.1 401 /);
  assert.match(request.answer(), /"code":"signature_missing"/);
});

test('unverified bodies share a byte budget: past it 503 with Retry-After, signed small deliveries still pass, and every path gives the bytes back', async (t) => {
  const service = await startTestService(t, { yaml: 'server:\n  maxBodySize: 400KiB\n  maxUnverifiedBytes: 1MiB\n' });
  const size = 300 * 1024;
  // Three bodies that fit (900 KiB of 1 MiB), sent all but their last byte, then held.
  const held = ['held-1', 'held-2', 'held-3'].map((id, index) => {
    const body = pingOf(size);
    const signature = sign(index === 2 ? 'wrong-secret' : SECRET, body);
    const request = rawRequest(service.url, { 'x-github-delivery': id, 'content-length': String(size), 'x-hub-signature-256': signature });
    request.socket.write(body.subarray(0, size - 1));
    return { id, body, request };
  });
  await eventually(async () => ((await unverifiedBytes(service)) === 3 * size ? true : undefined));

  // A fourth declared body does not fit: 503 at once, before any of it is sent.
  const refused = rawRequest(service.url, { 'x-github-delivery': 'refused', 'content-length': String(size), 'x-hub-signature-256': sign(SECRET, pingOf(size)) });
  await eventually(async () => (refused.answer() === '' ? undefined : true));
  assert.match(refused.answer(), /^HTTP\/1\.1 503 /);
  assert.match(refused.answer(), /\r\nretry-after: \d+\r\n/i);
  assert.match(refused.answer(), /"code":"ingest_busy"/);
  await refused.closed;

  // A signed small delivery fits in what is left.
  assert.equal((await deliver(service.url, { event: 'ping', payload: { zen: 'Small.', hook_id: 1 } })).status, 202);

  // A chunked body declares nothing: it is refused once it passes the budget, mid-way.
  const big = pingOf(size);
  const chunked = rawRequest(service.url, { 'x-github-delivery': 'chunked', 'transfer-encoding': 'chunked', 'x-hub-signature-256': sign(SECRET, big) });
  const sent = await pump(chunked, big, true);
  await eventually(async () => (chunked.answer() === '' ? undefined : true));
  assert.match(chunked.answer(), /^HTTP\/1\.1 503 /);
  assert.ok(sent < big.length, `refused mid-way (${sent} of ${big.length} bytes sent)`);
  await chunked.closed;
  assert.equal(await unverifiedBytes(service), 3 * size, 'the refused bodies gave their bytes back');

  // The held bodies end: two are stored, the one with a wrong signature is 401; all bytes come back.
  for (const { body, request } of held) request.socket.write(body.subarray(size - 1));
  await eventually(async () => (held.every(({ request }) => request.answer() !== '') ? true : undefined));
  assert.deepEqual(held.map(({ request }) => /^HTTP\/1\.1 (\d+)/.exec(request.answer())?.[1]), ['202', '202', '401']);
  assert.equal(await unverifiedBytes(service), 0);

  // A client that goes away mid-body gives its bytes back too.
  const aborted = rawRequest(service.url, { 'x-github-delivery': 'aborted', 'content-length': String(size), 'x-hub-signature-256': sign(SECRET, pingOf(size)) });
  aborted.socket.write(pingOf(size).subarray(0, 1000));
  await eventually(async () => ((await unverifiedBytes(service)) === size ? true : undefined));
  aborted.socket.destroy();
  await eventually(async () => ((await unverifiedBytes(service)) === 0 ? true : undefined));

  const stored = (await service.store.listDeliveries({ limit: 10 })).map((delivery) => delivery.id).sort();
  assert.equal(stored.length, 3);
  assert.deepEqual(stored.filter((id) => id.startsWith('held')), ['held-1', 'held-2']);
});

test('the body limit is GitHub\'s 25 MB by default, and server.maxBodySize changes it', async (t) => {
  const declared = async (service: TestService, length: number) => {
    const request = rawRequest(service.url, { 'x-github-delivery': `d-${length}`, 'content-length': String(length), 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` });
    await eventually(async () => (request.answer() === '' ? undefined : true));
    request.socket.destroy();
    return /^HTTP\/1\.1 (\d+)/.exec(request.answer())?.[1];
  };
  const standard = await startTestService(t);
  assert.equal(await declared(standard, 25_000_001), '413');
  const larger = await startTestService(t, { yaml: 'server:\n  maxBodySize: 25MiB\n' });
  assert.equal(await declared(larger, 25 * 1024 * 1024 + 1), '413');
  const small = await startTestService(t, { yaml: 'server:\n  maxBodySize: 1KB\n' });
  assert.equal(await declared(small, 1001), '413');
});
