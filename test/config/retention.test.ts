import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { problems } from './helpers.js';

const DAY = 86_400_000;

test('retention defaults: payloads 30 days, rows 90, deployments beyond the newest 100 after 90, destroyed environments 90, notifications 7 and 30, pull requests 90', () => {
  assert.deepEqual(parseConfig('', 'slipway.yaml', {}, '/srv').retention, {
    deliveries: { payloadsMs: 30 * DAY, rowsMs: 90 * DAY },
    deployments: { keep: 100, ageMs: 90 * DAY },
    destroyedEnvironmentsMs: 90 * DAY,
    notifications: { deliveredMs: 7 * DAY, failedMs: 30 * DAY },
    pullRequestsMs: 90 * DAY,
  });
});

test('retention takes durations and a count, each key on its own', () => {
  const yaml = [
    'retention:',
    '  deliveries: { payloads: 7d, rows: 14d }',
    '  deployments: { keep: 20 }',
    '  destroyedEnvironments: 12h',
    '  notifications: { failed: 90d }',
    '  pullRequests: 30d',
  ].join('\n');
  assert.deepEqual(parseConfig(yaml, 'slipway.yaml', {}, '/srv').retention, {
    deliveries: { payloadsMs: 7 * DAY, rowsMs: 14 * DAY },
    deployments: { keep: 20, ageMs: 90 * DAY },
    destroyedEnvironmentsMs: DAY / 2,
    notifications: { deliveredMs: 7 * DAY, failedMs: 90 * DAY },
    pullRequestsMs: 30 * DAY,
  });
});

test('bad retention is refused with where and why', () => {
  assert.deepEqual(problems([
    'retention:', //                                            1
    '  deliveries: { payloads: 60d, rows: 30d }', //             2
    '  deployments: { keep: 0, age: forever }', //               3
    '  destroyedEnvironments: 0s', //                            4
    '  notifications: { sent: 7d }', //                          5
    '  signals: 30d', //                                         6
    '  pullRequests: soon', //                                   7
  ].join('\n')), [
    'slipway.yaml:2 retention.deliveries.rows: must be at least retention.deliveries.payloads (60d): a payload goes with its row, so it cannot be kept longer',
    'slipway.yaml:3 retention.deployments.keep: expected a whole number from 1 to 1000000',
    'slipway.yaml:3 retention.deployments.age: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
    'slipway.yaml:4 retention.destroyedEnvironments: must be longer than 0s',
    'slipway.yaml:5 retention.notifications.sent: unknown key "sent"; expected one of: delivered, failed',
    'slipway.yaml:6 retention.signals: unknown key "signals"; expected one of: deliveries, deployments, destroyedEnvironments, notifications, pullRequests',
    'slipway.yaml:7 retention.pullRequests: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
  ]);
  assert.deepEqual(problems('retention: { deliveries: { payloads: 1d, rows: 2d } }'), [
    'slipway.yaml:1 retention.deliveries.rows: must be at least 3d: GitHub redelivers a delivery for that long, and a row removed sooner lets a redelivery apply twice',
  ]);
});
