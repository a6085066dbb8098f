import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { problems } from './helpers.js';

/** App `web` with a command target and these environments (YAML list items, indented 6). */
const app = (environments: string[]) =>
  `apps:\n  - name: web\n    repo: acme/web\n    target: { type: command, deploy: [./deploy.sh] }\n    environments:\n${environments.join('\n')}\n`;
const envs = (environments: string[]) => parseConfig(app(environments), 'slipway.yaml', {}, '/srv').apps[0]?.environments ?? [];

const HOUR = 3_600_000;

test('the CI example parses to gates, artifacts and rollbacks, defaults filled in', () => {
  const text = `
github:
  token: \${GITHUB_TOKEN}
  apiUrl: https://github.example.com/api/v3
artifacts:
  maxSize: 1GiB
  maxFiles: 10000
apps:
  - name: web
    repo: acme/web
    target: { type: command, deploy: [./deploy.sh] }
    environments:
      - name: dev
        track: { branch: develop }
        gate:
          checks: [build, test]
          statuses: [ci/jenkins]
          workflows: [CI]
          timeout: 1h
      - name: staging
        track: { branch: main }
        gate: { checkSuites: all }
        rollback: { on: [failure, error] }
      - name: nightly
        track: { workflowRun: { workflow: build, branch: main } }
        artifact: site
      - name: qa
        track: { deployments: true }
        rollback: { on: [failure, error] }
      - name: pr-{number}
        track: { pullRequests: {} }
        gate: { workflows: [CI] }
`;
  const config = parseConfig(text, 'slipway.yaml', { GITHUB_TOKEN: 'gh-token' }, '/srv');
  assert.deepEqual(config.github, { token: 'gh-token', apiUrl: 'https://github.example.com/api/v3', recovery: { intervalMs: 600_000 } });
  assert.deepEqual(config.artifacts, { maxBytes: 1_073_741_824, maxFiles: 10_000 });
  const gate = { checks: [], statuses: [], workflows: [], checkSuites: null, timeoutMs: HOUR };
  const pullRequests = { kind: 'pullRequests', base: ['**'], drafts: false, labels: [], forks: 'deny' };
  const REPORTS = { productionEnvironment: false, commitStatus: false, secretEnv: [], sleepAfterMs: null };
  assert.deepEqual(config.apps[0]?.environments, [
    {
      name: 'dev',
      track: { kind: 'branch', branch: 'develop' },
      ttlMs: null,
      gate: { checks: ['build', 'test'], statuses: ['ci/jenkins'], workflows: ['CI'], checkSuites: null, timeoutMs: HOUR },
      artifact: null,
      rollback: null,
      env: {},
      ...REPORTS,
    },
    { name: 'staging', track: { kind: 'branch', branch: 'main' }, ttlMs: null, gate: { ...gate, checkSuites: 'all' }, artifact: null, rollback: { on: ['failure', 'error'] }, env: {}, ...REPORTS },
    { name: 'nightly', track: { kind: 'workflowRun', workflow: 'build', branch: 'main' }, ttlMs: null, gate: null, artifact: 'site', rollback: null, env: {}, ...REPORTS },
    { name: 'qa', track: { kind: 'deployments' }, ttlMs: null, gate: null, artifact: null, rollback: { on: ['failure', 'error'] }, env: {}, ...REPORTS },
    { name: 'pr-{number}', track: pullRequests, ttlMs: null, gate: { ...gate, workflows: ['CI'] }, artifact: null, rollback: null, env: {}, ...REPORTS },
  ]);
});

test('gate and rollback defaults: an empty gate is none, an empty rollback rolls back on failure and error', () => {
  const parsed = envs([
    '      - name: a',
    '        track: { branch: a }',
    '        gate: { checkSuites: [github-actions, my_app], timeout: 10m }',
    '        rollback:',
    '      - name: b',
    '        track: { branch: b }',
    '        gate:',
    '        rollback: {}',
    '      - name: c',
    '        track: { release: {} }',
    '        gate: { statuses: [ci/jenkins], checks: }',
    '        rollback: { on: [error] }',
    '      - name: d',
    '        track: { workflowRun: { workflow: build } }',
    '        gate:',
    '        artifact:',
  ]);
  assert.deepEqual(
    parsed.map((env) => [env.name, env.gate, env.rollback, env.artifact]),
    [
      ['a', { checks: [], statuses: [], workflows: [], checkSuites: ['github-actions', 'my_app'], timeoutMs: 600_000 }, { on: ['failure', 'error'] }, null],
      ['b', null, { on: ['failure', 'error'] }, null],
      ['c', { checks: [], statuses: ['ci/jenkins'], workflows: [], checkSuites: null, timeoutMs: HOUR }, { on: ['error'] }, null],
      ['d', null, null, null],
    ],
  );
});

test('gate: at least one requirement, lists of names without repeats, a timeout that fits a timer', () => {
  const text = app([
    '      - name: a', //                                                     6
    '        track: { branch: a }', //                                        7
    '        gate: {}', //                                                    8
    '      - name: b', //                                                     9
    '        track: { branch: b }', //                                        10
    '        gate: { timeout: 30m }', //                                      11
    '      - name: c', //                                                     12
    '        track: { branch: c }', //                                        13
    '        gate: { checks: [], statuses: [""], workflows: [CI, CI] }', //    14
    '      - name: d', //                                                     15
    '        track: { branch: d }', //                                        16
    '        gate: { checkSuites: some, timeout: 0s }', //                    17
    '      - name: e', //                                                     18
    '        track: { branch: e }', //                                        19
    '        gate: { checkSuites: [], timeout: 25d }', //                     20
    '      - name: f', //                                                     21
    '        track: { branch: f }', //                                        22
    '        gate: { checkSuites: [GitHub Actions, codecov, codecov] }', //   23
    '      - name: g', //                                                     24
    '        track: { branch: g }', //                                        25
    '        gate: { check: [build] }', //                                    26
    '      - name: h', //                                                     27
    '        track: { branch: h }', //                                        28
    '        gate: { checks: build, timeout: 1 hour }', //                    29
    '      - name: i', //                                                     30
    '        track: { branch: i }', //                                        31
    '        gate: [build]', //                                               32
  ]);
  const gate = (name: string) => `apps.web.environments.${name}.gate`;
  assert.deepEqual(problems(text), [
    `slipway.yaml:8 ${gate('a')}: a gate needs at least one of: checks, statuses, workflows, checkSuites`,
    `slipway.yaml:11 ${gate('b')}: a gate needs at least one of: checks, statuses, workflows, checkSuites`,
    `slipway.yaml:14 ${gate('c')}.checks: must not be an empty list; remove the key to require none`,
    `slipway.yaml:14 ${gate('c')}.statuses[0]: must not be empty`,
    `slipway.yaml:14 ${gate('c')}.workflows[1]: already listed at [0]; remove the repeat`,
    `slipway.yaml:17 ${gate('d')}.checkSuites: expected all, or a list of GitHub App slugs such as [github-actions]`,
    `slipway.yaml:17 ${gate('d')}.timeout: must be longer than 0s`,
    `slipway.yaml:20 ${gate('e')}.checkSuites: must not be an empty list; write all, or the slugs of the apps whose check suites must pass`,
    `slipway.yaml:20 ${gate('e')}.timeout: must be at most 24d`,
    `slipway.yaml:23 ${gate('f')}.checkSuites[0]: expected a GitHub App slug such as github-actions, as in github.com/apps/<slug>`,
    `slipway.yaml:23 ${gate('f')}.checkSuites[2]: already listed at [1]; remove the repeat`,
    `slipway.yaml:26 ${gate('g')}.check: unknown key "check"; expected one of: checks, statuses, workflows, checkSuites, timeout`,
    `slipway.yaml:29 ${gate('h')}.checks: expected a list, got a string`,
    `slipway.yaml:29 ${gate('h')}.timeout: expected a duration such as 30s, 10m, 72h, 7d or 1h30m`,
    `slipway.yaml:32 ${gate('i')}: expected a mapping, got a list`,
  ]);
});

test('gate only where slipway picks the commit; artifact only from a workflow run', () => {
  const text = app([
    '      - name: a', //                                                     6
    '        track: { workflowRun: { workflow: build } }', //                 7
    '        gate: { checks: [test] }', //                                    8
    '        artifact: ""', //                                                9
    '      - name: b', //                                                     10
    '        track: { deployments: true }', //                                11
    '        gate: { workflows: [CI] }', //                                   12
    '      - name: c', //                                                     13
    '        track: { branch: main }', //                                     14
    '        artifact: site', //                                              15
    '      - name: pr-{number}', //                                           16
    '        track: { pullRequests: {} }', //                                 17
    '        artifact: [site]', //                                            18
  ]);
  assert.deepEqual(problems(text), [
    'slipway.yaml:8 apps.web.environments.a.gate: the workflow run is already the gate; remove gate or track a branch',
    'slipway.yaml:9 apps.web.environments.a.artifact: must not be empty',
    'slipway.yaml:12 apps.web.environments.b.gate: a GitHub deployment names its sha; slipway deploys it without a gate',
    'slipway.yaml:15 apps.web.environments.c.artifact: artifact needs track.workflowRun: artifacts come from a workflow run',
    'slipway.yaml:18 apps.web.environments[3].artifact: expected a string, got a list',
    'slipway.yaml:18 apps.web.environments[3].artifact: artifact needs track.workflowRun: artifacts come from a workflow run',
  ]);
});

test('rollback: a non-empty list of failure and error, each once', () => {
  const text = app([
    '      - name: a', //                                         6
    '        track: { branch: a }', //                            7
    '        rollback: { on: [] }', //                            8
    '      - name: b', //                                         9
    '        track: { branch: b }', //                            10
    '        rollback: { on: [failure, success, failure] }', //   11
    '      - name: c', //                                         12
    '        track: { branch: c }', //                            13
    '        rollback: true', //                                  14
    '      - name: d', //                                         15
    '        track: { branch: d }', //                            16
    '        rollback: { on: failure, to: previous }', //         17
  ]);
  assert.deepEqual(problems(text), [
    'slipway.yaml:8 apps.web.environments.a.rollback.on: must not be an empty list; remove rollback to never roll back',
    'slipway.yaml:11 apps.web.environments.b.rollback.on[1]: expected one of: failure, error',
    'slipway.yaml:11 apps.web.environments.b.rollback.on[2]: already listed at [0]; remove the repeat',
    'slipway.yaml:14 apps.web.environments.c.rollback: expected a mapping, got true/false',
    'slipway.yaml:17 apps.web.environments.d.rollback.on: expected a list, got a string',
    'slipway.yaml:17 apps.web.environments.d.rollback.to: unknown key "to"; expected one of: on',
  ]);
});

test('every problem of the CI keys in one file is reported at once', () => {
  const text = [
    'github:', //                                                1
    '  apiUrl: api.github.com', //                               2
    'artifacts:', //                                             3
    '  maxSize: 1.5GB', //                                       4
    'apps:', //                                                  5
    '  - name: web', //                                          6
    '    repo: acme/web', //                                     7
    '    target: { type: command, deploy: [./deploy.sh] }', //   8
    '    environments:', //                                      9
    '      - name: nightly-{branch}', //                         10
    '        track: { workflowRun: { branch: main } }', //       11
    '        gate: { checks: [build] }', //                      12
    '      - name: qa', //                                       13
    '        track: { deployments: false }', //                  14
    '        artifact: site', //                                 15
    '        rollback: { on: [failed] }', //                     16
  ].join('\n');
  assert.deepEqual(problems(text), [
    'slipway.yaml:2 github.apiUrl: expected an absolute http(s) URL such as https://api.github.com, or https://github.example.com/api/v3 for GitHub Enterprise Server',
    'slipway.yaml:4 artifacts.maxSize: expected a size such as 512MiB, 1GiB or 10MB: a whole number, then one of B, KB, MB, GB, KiB, MiB, GiB (none means bytes)',
    'slipway.yaml:10 apps.web.environments[0].name: an environment that follows workflow runs has a fixed name such as staging, without placeholders',
    "slipway.yaml:11 apps.web.environments[0].track.workflowRun.workflow: is required: give the workflow's name as GitHub shows it (its name: key), e.g. CI",
    'slipway.yaml:12 apps.web.environments[0].gate: the workflow run is already the gate; remove gate or track a branch',
    'slipway.yaml:14 apps.web.environments.qa.track.deployments: remove deployments, or set it to true',
    'slipway.yaml:15 apps.web.environments.qa.artifact: artifact needs track.workflowRun: artifacts come from a workflow run',
    'slipway.yaml:16 apps.web.environments.qa.rollback.on[0]: expected one of: failure, error',
  ]);
});
