import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { problems } from './helpers.js';

test('server and router take a connection cap and idle timeouts, kept in milliseconds', () => {
  const text = `server: { maxConnections: 300, headersTimeout: 10s, keepAliveTimeout: 2s }
router: { maxConnections: "200", headersTimeout: 1m }
`;
  const config = parseConfig(text, 'slipway.yaml', {}, '/srv');
  assert.deepEqual(config.server.listener, { maxConnections: 300, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 2_000 });
  assert.deepEqual(config.router.listener, { maxConnections: 200, headersTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000 });
});

test('a bad cap or timeout is refused at its line and path, saying what is expected', () => {
  const text = `server:
  maxConnections: 0
  headersTimeout: 0s
router:
  maxConnections: many
  keepAliveTimeout: 11m
  headersTimeout: 20
`;
  const cap = 'expected a whole number of connections from 1 to 1000000; leave it out to derive it from the open-file limit';
  assert.deepEqual(problems(text), [
    `slipway.yaml:2 server.maxConnections: ${cap}`,
    'slipway.yaml:3 server.headersTimeout: must be longer than 0s',
    `slipway.yaml:5 router.maxConnections: ${cap}`,
    'slipway.yaml:6 router.keepAliveTimeout: must be at most 10m',
    'slipway.yaml:7 router.headersTimeout: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
  ]);
});
