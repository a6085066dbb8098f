import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sign, SignatureCheck, signatureDigest } from '../../src/ingest/signature.js';

const body = Buffer.from('{"zen":"Keep it logically awesome."}');

/** Whether `header` signs `data` under one of `secrets`, with the body fed in two pieces as it would arrive. */
function verifySignature(secrets: string[], data: Buffer, header: string | undefined): boolean {
  const given = signatureDigest(header);
  if (given === null) return false;
  const check = new SignatureCheck(secrets, given);
  check.update(data.subarray(0, 5));
  check.update(data.subarray(5));
  return check.matches();
}

test('a signature made with any configured secret verifies', () => {
  assert.equal(verifySignature(['old', 'new'], body, sign('new', body)), true);
  assert.equal(verifySignature(['old', 'new'], body, sign('old', body)), true);
  // GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
  assert.equal(
    sign("It's a Secret to Everybody", Buffer.from('Hello, World!')),
    'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
  );
});

test('wrong, malformed or missing signatures do not verify', () => {
  const good = sign('s', body);
  assert.equal(verifySignature(['s'], Buffer.from(`${body.toString()} `), good), false, 'body changed');
  assert.equal(verifySignature(['other'], body, good), false, 'other secret');
  assert.equal(verifySignature(['s'], body, undefined), false);
  assert.equal(verifySignature(['s'], body, ''), false);
  assert.equal(verifySignature(['s'], body, good.replace('sha256=', 'sha1=')), false);
  assert.equal(verifySignature(['s'], body, good.slice(0, -2)), false, 'truncated');
  assert.equal(verifySignature(['s'], body, `${good}00`), false, 'too long');
  assert.equal(verifySignature(['s'], body, `sha256=${'z'.repeat(64)}`), false, 'not hex');
  assert.equal(verifySignature([], body, good), false, 'no secrets');
});
