import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFixedEnvironment } from '../../src/config/environments.js';
import { parseConfig } from '../../src/config/load.js';
import { problems } from './helpers.js';

/** App `web` with a command target and these environments (YAML list items, indented 6). */
const app = (environments: string) =>
  `apps:\n  - name: web\n    repo: acme/web\n    target: { type: command, deploy: [./deploy.sh] }\n    environments:\n${environments}`;
const envs = (environments: string) => parseConfig(app(environments), 'slipway.yaml', {}, '/srv').apps[0]?.environments ?? [];
const none = { ttlMs: null, gate: null, artifact: null, rollback: null, env: {}, secretEnv: [], productionEnvironment: false, commitStatus: false, sleepAfterMs: null };

test('workflowRun follows one workflow, on a branch or any; deployments follows GitHub deployments', () => {
  const parsed = envs(
    [
      '      - name: nightly',
      '        track: { workflowRun: { workflow: build, branch: main } }',
      '      - name: any',
      '        track:',
      '          workflowRun:',
      '            workflow: Build and test',
      '            branch:',
      '      - name: qa',
      '        track: { deployments: true }',
      '',
    ].join('\n'),
  );
  assert.deepEqual(parsed, [
    { name: 'nightly', track: { kind: 'workflowRun', workflow: 'build', branch: 'main' }, ...none },
    { name: 'any', track: { kind: 'workflowRun', workflow: 'Build and test', branch: null }, ...none },
    { name: 'qa', track: { kind: 'deployments' }, ...none },
  ]);
  assert.ok(parsed.every(isFixedEnvironment));
});

test('workflowRun needs its workflow; deployments takes only true', () => {
  const text = app(
    [
      '      - name: a', //                                                   6
      '        track:', //                                                    7
      '          workflowRun:', //                                            8
      '      - name: b', //                                                   9
      '        track: { workflowRun: { workflow: "", branch: "feature/*" } }', // 10
      '      - name: c', //                                                   11
      '        track: { workflowRun: { branch: refs/heads/main, event: push } }', // 12
      '      - name: d', //                                                   13
      '        track: { deployments: false }', //                            14
      '      - name: e', //                                                   15
      '        track:', //                                                    16
      '          deployments:', //                                            17
      '      - name: f', //                                                   18
      '        track: { deployments: qa }', //                               19
      '      - name: g', //                                                   20
      '        track: { workflowRun: build }', //                            21
      '      - name: h', //                                                   22
      '        track: { deployments: true, branch: main }', //              23
    ].join('\n'),
  );
  const workflow = "the workflow's name as GitHub shows it (its name: key), e.g. CI";
  assert.deepEqual(problems(text), [
    `slipway.yaml:8 apps.web.environments.a.track.workflowRun.workflow: is required: give ${workflow}`,
    `slipway.yaml:10 apps.web.environments.b.track.workflowRun.workflow: must not be empty; give ${workflow}`,
    'slipway.yaml:10 apps.web.environments.b.track.workflowRun.branch: branch takes one exact name; use branches: [pattern] to follow every branch matching a glob',
    `slipway.yaml:12 apps.web.environments.c.track.workflowRun.workflow: is required: give ${workflow}`,
    'slipway.yaml:12 apps.web.environments.c.track.workflowRun.branch: write the branch name without refs/heads/, e.g. main',
    'slipway.yaml:12 apps.web.environments.c.track.workflowRun.event: unknown key "event"; expected one of: workflow, branch',
    'slipway.yaml:14 apps.web.environments.d.track.deployments: remove deployments, or set it to true',
    'slipway.yaml:17 apps.web.environments.e.track.deployments: remove deployments, or set it to true',
    "slipway.yaml:19 apps.web.environments.f.track.deployments: expected true; the GitHub environment deployed to is this environment's name",
    'slipway.yaml:21 apps.web.environments.g.track.workflowRun: expected a mapping, got a string',
    'slipway.yaml:23 apps.web.environments.h.track: give exactly one of: branch, branches, release, pullRequests, workflowRun, deployments (found branch and deployments)',
  ]);
});

test('workflowRun and deployments environments have fixed names', () => {
  const text = app(
    [
      '      - name: nightly-{branch}', //                                  6
      '        track: { workflowRun: { workflow: build } }', //             7
      '      - name: qa-{number}', //                                       8
      '        track: { deployments: true }', //                             9
      `      - name: ${'q'.repeat(64)}`, //                                10
      '        track: { deployments: true }', //                             11
    ].join('\n'),
  );
  assert.deepEqual(problems(text), [
    'slipway.yaml:6 apps.web.environments[0].name: an environment that follows workflow runs has a fixed name such as staging, without placeholders',
    'slipway.yaml:8 apps.web.environments[1].name: an environment that follows GitHub deployments has a fixed name such as staging, without placeholders',
    'slipway.yaml:10 apps.web.environments[2].name: expected 1 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-"',
  ]);
});

test('productionEnvironment and commitStatus are booleans, off by default; previews and branch environments are never production', () => {
  const parsed = envs('      - { name: production, track: { release: {} }, productionEnvironment: true, commitStatus: true }\n');
  assert.deepEqual(parsed[0], { name: 'production', track: { kind: 'release', prerelease: false }, ...none, productionEnvironment: true, commitStatus: true });
  const text = app(
    [
      '      - name: pr-{number}', //                                   6
      '        track: { pullRequests: {} }', //                         7
      '        productionEnvironment: true', //                          8
      '      - name: br-{branch}', //                                   9
      '        track: { branches: [feature/*] }', //                   10
      '        productionEnvironment: true', //                          11
      '      - name: staging', //                                         12
      '        track: { branch: main }', //                              13
      '        commitStatus: "yes"', //                                   14
    ].join('\n'),
  );
  assert.deepEqual(problems(text), [
    'slipway.yaml:8 apps.web.environments[0].productionEnvironment: a pullRequests environment is short-lived, not production; set productionEnvironment on a fixed environment such as production',
    'slipway.yaml:11 apps.web.environments[1].productionEnvironment: a branches environment is short-lived, not production; set productionEnvironment on a fixed environment such as production',
    'slipway.yaml:14 apps.web.environments.staging.commitStatus: expected true or false, got a string',
  ]);
});
