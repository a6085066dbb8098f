import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { problems } from './helpers.js';

/** App `web` with `target` and these environments (YAML list items, indented 6). */
const app = (target: string, environments: string[]) =>
  ['apps:', '  - name: web', '    repo: acme/web', `    target: ${target}`, '    environments:', ...environments, ''].join('\n');

test('sleepAfter and pullRequests.max parse on the process and docker targets', () => {
  for (const target of ['{ type: process }', '{ type: docker }']) {
    const [preview, staging] = parseConfig(app(target, [
      '      - name: pr-{number}',
      '        track: { pullRequests: { max: 10 } }',
      '        sleepAfter: 30m',
      '      - name: staging',
      '        track: { branch: main }',
    ]), 'slipway.yaml', {}, '/srv').apps[0]?.environments ?? [];
    assert.equal(preview?.sleepAfterMs, 30 * 60_000);
    assert.deepEqual(preview?.track.kind === 'pullRequests' && preview.track.max, 10);
    assert.equal(staging?.sleepAfterMs, null, 'no sleepAfter: it never sleeps for idling');
  }
});

test('a bad sleepAfter or max, and either on a target that cannot stop a release, is refused with where and why', () => {
  assert.deepEqual(problems(app('{ type: process }', [
    '      - name: pr-{number}', //                        6
    '        track: { pullRequests: { max: 0 } }', //      7
    '        sleepAfter: soon', //                         8
    '      - name: review-{number}', //                    9
    '        track: { pullRequests: { max: 2.5 } }', //   10
    '        sleepAfter: 0s', //                          11
  ])), [
    'slipway.yaml:7 apps.web.environments[0].track.pullRequests.max: expected a whole number from 1 to 100000',
    'slipway.yaml:8 apps.web.environments[0].sleepAfter: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
    'slipway.yaml:10 apps.web.environments[1].track.pullRequests.max: expected a whole number from 1 to 100000',
    'slipway.yaml:11 apps.web.environments[1].sleepAfter: must be longer than 0s',
  ]);
  assert.deepEqual(problems(app('{ type: command, deploy: [./deploy.sh] }', [
    '      - name: pr-{number}', //                        6
    '        track: { pullRequests: { max: 3 } }', //      7
    '        sleepAfter: 30m', //                          8
  ])), [
    'slipway.yaml:7 apps.web.environments[0].track.pullRequests.max: needs target type process or docker: a command target cannot stop and start an environment\'s release (the least recently used preview sleeps)',
    'slipway.yaml:8 apps.web.environments[0].sleepAfter: needs target type process or docker: a command target cannot stop and start an environment\'s release',
  ]);
});
