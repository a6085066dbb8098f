import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import { parseConfig } from '../../src/config/load.js';
import { configError, problems } from './helpers.js';

/** An app `web` with a command target, followed by `extra` (indented as app keys). */
const app = (extra: string) =>
  `apps:\n  - name: web\n    repo: acme/web\n    target: { type: command, deploy: [./deploy.sh] }\n${extra}`;
const parse = (text: string) => parseConfig(text, 'slipway.yaml', {}, '/srv');
const envs = (text: string) => parse(app(`    environments:\n${text}`)).apps[0]?.environments;
/** An environment without gate, artifact or rollback. */
const NO_EXTRAS = { gate: null, artifact: null, rollback: null, env: {}, secretEnv: [], productionEnvironment: false, commitStatus: false, sleepAfterMs: null };

test('the example from the issue parses to typed tracks, defaults filled in', () => {
  const config = parse(`
apps:
  - name: web
    repo: acme/web
    url: file:///srv/git/web.git
    target: { type: command, deploy: [./deploy.sh], destroy: [./destroy.sh], timeout: 10m, url: "https://{env}.example.com" }
    environments:
      - name: staging
        track: { branch: main }
      - name: production
        track: { release: { prerelease: false } }
      - name: pr-{number}
        track: { pullRequests: { base: [main], drafts: false, labels: [], forks: deny } }
        ttl: 72h
      - name: br-{branch}
        track: { branches: ["feature/*"] }
engine:
  concurrency: 8
  resyncInterval: 1m
  sweepInterval: 1h30m
`);
  assert.deepEqual(config.engine, { concurrency: 8, resyncIntervalMs: 60_000, sweepIntervalMs: 5_400_000, leaseMs: 60_000 });
  assert.deepEqual(config.apps, [
    {
      name: 'web',
      repo: 'acme/web',
      url: 'file:///srv/git/web.git',
      target: { type: 'command', deploy: ['./deploy.sh'], destroy: ['./destroy.sh'], timeoutMs: 600_000, url: 'https://{env}.example.com' },
      env: {},
      secretEnv: [],
      environments: [
        { name: 'staging', track: { kind: 'branch', branch: 'main' }, ttlMs: null, ...NO_EXTRAS },
        { name: 'production', track: { kind: 'release', prerelease: false }, ttlMs: null, ...NO_EXTRAS },
        {
          name: 'pr-{number}',
          track: { kind: 'pullRequests', base: ['main'], drafts: false, labels: [], forks: 'deny' },
          ttlMs: 259_200_000,
          ...NO_EXTRAS,
        },
        { name: 'br-{branch}', track: { kind: 'branches', patterns: ['feature/*'] }, ttlMs: null, ...NO_EXTRAS },
      ],
    },
  ]);
});

test('track defaults: release and pullRequests given empty, command target timeout', () => {
  assert.deepEqual(
    envs('      - name: prod\n        track: { release: {} }\n      - name: rc\n        track:\n          release:\n      - name: pr-{number}\n        track:\n          pullRequests:\n'),
    [
      { name: 'prod', track: { kind: 'release', prerelease: false }, ttlMs: null, ...NO_EXTRAS },
      { name: 'rc', track: { kind: 'release', prerelease: false }, ttlMs: null, ...NO_EXTRAS },
      { name: 'pr-{number}', track: { kind: 'pullRequests', base: ['**'], drafts: false, labels: [], forks: 'deny' }, ttlMs: null, ...NO_EXTRAS },
    ],
  );
  const target = parse(app('')).apps[0]?.target;
  assert.deepEqual(target, { type: 'command', deploy: ['./deploy.sh'], timeoutMs: 600_000 });
});

test('url defaults to the GitHub repository and accepts the remotes git clones', () => {
  assert.equal(parse('apps:\n  - name: web\n    repo: Acme/Web\n').apps[0]?.url, 'https://github.com/Acme/Web.git');
  assert.equal(parse('apps:\n  - name: web\n    repo: acme/web\n    url: ${URL:-}\n').apps[0]?.url, 'https://github.com/acme/web.git');
  for (const url of [
    'https://git.example.com/acme/web.git',
    'http://git.internal:8080/web',
    'ssh://git@github.com/acme/web.git',
    'ssh://git.example.com:2222/srv/web.git',
    'git@github.com:acme/web.git',
    'file:///srv/git/web.git',
    '/srv/git/web.git',
  ]) {
    assert.equal(parse(`apps:\n  - name: web\n    repo: acme/web\n    url: "${url}"\n`).apps[0]?.url, url);
  }
});

test('url: anything else is refused, and credentials never belong in it', () => {
  const hint =
    'expected a git remote: https://host/owner/name.git, ssh://git@host/owner/name.git, git@host:owner/name.git, file:///path or an absolute path';
  for (const url of ['relative/path', 'ftp://example.com/web.git', 'ext::sh -c touch% /tmp/pwned', 'ssh://-oProxyCommand=x/web', 'git@-oProxy:web', 'file://host/web', 'https://', '//srv/web', 'web.git']) {
    assert.deepEqual(problems(`apps:\n  - name: web\n    repo: acme/web\n    url: "${url}"\n`), [`slipway.yaml:4 apps.web.url: ${hint}`], url);
  }
  const credentials =
    'slipway.yaml:4 apps.web.url: must not carry credentials; remove them from the URL and set github.token (it is sent without ever being part of a URL)';
  for (const url of ['https://x-access-token:ghp_abc@github.com/acme/web.git', 'https://ghp_abc@github.com/acme/web.git', 'ssh://git:pw@host/web']) {
    assert.deepEqual(problems(`apps:\n  - name: web\n    repo: acme/web\n    url: "${url}"\n`), [credentials], url);
  }
});

test('target: an unknown type names the types there are', () => {
  assert.deepEqual(problems('apps:\n  - name: web\n    repo: acme/web\n    target: { type: proces, deploy: [x] }\n'), [
    'slipway.yaml:4 apps.web.target.type: unknown target "proces"; expected one of: process, command, docker',
  ]);
  assert.deepEqual(problems('apps:\n  - name: web\n    repo: acme/web\n    target:\n      deploy: [x]\n'), [
    'slipway.yaml:4 apps.web.target.type: is required; expected one of: process, command, docker',
  ]);
  assert.deepEqual(problems('apps:\n  - name: web\n    repo: acme/web\n    target: command\n'), [
    'slipway.yaml:4 apps.web.target: expected a mapping, got a string',
  ]);
  // A type from the environment is not echoed.
  assert.deepEqual(problems('apps:\n  - name: web\n    repo: acme/web\n    target:\n      type: ${T}\n', { T: 'hunter2' }), [
    'slipway.yaml:5 apps.web.target.type: unknown target type; expected one of: process, command, docker',
  ]);
});

test('command target: each key checked, unknown keys named', () => {
  const text = app('').replace('{ type: command, deploy: [./deploy.sh] }', '{ type: command, deploy: [], destroy: [], timeout: 600, url: "ftp://{env}", shell: true }');
  assert.deepEqual(problems(text), [
    'slipway.yaml:4 apps.web.target.deploy: must not be an empty list; give the program and its arguments, e.g. [./deploy.sh]',
    'slipway.yaml:4 apps.web.target.destroy: must not be an empty list; remove the key when nothing needs to run on destroy',
    'slipway.yaml:4 apps.web.target.timeout: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
    'slipway.yaml:4 apps.web.target.url: expected an http(s) URL such as https://{env}.example.com; placeholders: {app}, {env}, {pr}, {branch}, {sha}',
    'slipway.yaml:4 apps.web.target.shell: unknown key "shell"; expected one of: type, deploy, destroy, timeout, url, user',
  ]);
  assert.deepEqual(problems('apps:\n  - name: web\n    repo: acme/web\n    target:\n      type: command\n      deploy: ["", 5]\n      url: "https://{commit}.example.com"\n'), [
    'slipway.yaml:6 apps.web.target.deploy[0]: must not be empty',
    'slipway.yaml:6 apps.web.target.deploy[1]: expected a string, got a number',
    'slipway.yaml:7 apps.web.target.url: expected an http(s) URL such as https://{env}.example.com; placeholders: {app}, {env}, {pr}, {branch}, {sha}',
  ]);
  assert.deepEqual(problems('apps:\n  - name: web\n    repo: acme/web\n    target:\n      type: command\n'), [
    'slipway.yaml:4 apps.web.target.deploy: is required',
  ]);
});

test('an app without a target runs on the process target, with or without environments', () => {
  const process = { type: 'process', manifest: null, stopGraceMs: 10_000, logMaxBytes: 10_485_760, logFiles: 2, buildTimeoutMs: 900_000 };
  assert.deepEqual(parse('apps:\n  - name: web\n    repo: acme/web\n    environments:\n      - name: staging\n        track: { branch: main }\n').apps[0]?.target, process);
  assert.deepEqual(parse('apps:\n  - name: web\n    repo: acme/web\n    environments: []\n').apps[0]?.target, process);
});

test('track: exactly one of branch, branches, release, pullRequests', () => {
  const text = app(
    [
      '    environments:',
      '      - name: a', //                                  6
      '        track: {}', //                                7
      '      - name: b', //                                  8
      '        track: { branch: main, release: {} }', //     9
      '      - name: c', //                                  10
      '        track: { tag: v1 }', //                       11
      '      - name: d', //                                  12
      '      - name: e', //                                  13
      '        track: main', //                              14
    ].join('\n'),
  );
  assert.deepEqual(problems(text), [
    'slipway.yaml:7 apps.web.environments.a.track: give exactly one of: branch, branches, release, pullRequests, workflowRun, deployments',
    'slipway.yaml:9 apps.web.environments.b.track: give exactly one of: branch, branches, release, pullRequests, workflowRun, deployments (found branch and release)',
    'slipway.yaml:11 apps.web.environments.c.track.tag: unknown key "tag"; expected one of: branch, branches, release, pullRequests, workflowRun, deployments',
    'slipway.yaml:12 apps.web.environments.d.track: is required',
    'slipway.yaml:14 apps.web.environments.e.track: expected a mapping, got a string',
  ]);
});

test('track values: branch names, globs, booleans, labels and the fork policy', () => {
  const text = app(
    [
      '    environments:',
      '      - name: a', //                                                        6
      '        track: { branch: refs/heads/main }', //                             7
      '      - name: b', //                                                        8
      '        track: { branch: "feature/*" }', //                                 9
      '      - name: c', //                                                        10
      '        track: { branch: "bad..name" }', //                                 11
      '      - name: br-{branch}', //                                              12
      '        track: { branches: [] }', //                                        13
      '      - name: x-{branch}', //                                               14
      '        track: { branches: ["feature/[ab]", "ok/*"] }', //                  15
      '      - name: d', //                                                        16
      '        track: { release: { prerelease: "yes" } }', //                      17
      '      - name: pr-{number}', //                                              18
      '        track:', //                                                         19
      '          pullRequests: { base: [], drafts: 1, labels: [""], forks: maybe, fork: deny }', // 20
    ].join('\n'),
  );
  assert.deepEqual(problems(text), [
    'slipway.yaml:7 apps.web.environments.a.track.branch: write the branch name without refs/heads/, e.g. main',
    'slipway.yaml:9 apps.web.environments.b.track.branch: branch takes one exact name; use branches: [pattern] to follow every branch matching a glob',
    'slipway.yaml:11 apps.web.environments.c.track.branch: expected a git branch name such as main or release/1.x',
    'slipway.yaml:13 apps.web.environments[3].track.branches: must not be an empty list',
    'slipway.yaml:15 apps.web.environments[4].track.branches[0]: expected a branch name or a glob such as feature/* ("*" matches within a "/" segment, "**" across)',
    'slipway.yaml:17 apps.web.environments.d.track.release.prerelease: expected true or false, got a string',
    'slipway.yaml:20 apps.web.environments[6].track.pullRequests.base: must not be an empty list',
    'slipway.yaml:20 apps.web.environments[6].track.pullRequests.drafts: expected true or false, got a number',
    'slipway.yaml:20 apps.web.environments[6].track.pullRequests.labels[0]: must not be empty',
    'slipway.yaml:20 apps.web.environments[6].track.pullRequests.forks: expected one of: deny, allow, trusted, approve',
    'slipway.yaml:20 apps.web.environments[6].track.pullRequests.fork: unknown key "fork"; expected one of: base, drafts, labels, forks, max',
  ]);
});

test('name templates: {number} with pullRequests, {branch} with branches, fixed names otherwise', () => {
  const text = app(
    [
      '    environments:',
      '      - name: preview', //                          6
      '        track: { pullRequests: {} }', //            7
      '      - name: br-{number}', //                      8
      '        track: { branches: ["*"] }', //             9
      '      - name: pr-{number}-{branch}', //             10
      '        track: { pullRequests: {} }', //            11
      '      - name: staging-{branch}', //                 12
      '        track: { branch: main }', //                13
      '      - name: prod-{app}', //                       14
      '        track: { release: {} }', //                 15
      '      - name: Staging_1', //                        16
      '        track: { branch: main }', //                17
      '      - name: -staging', //                         18
      '        track: { branch: main }', //                19
      '      - name: pr-{id}', //                          20
      '        track: { pullRequests: {} }', //            21
      '      - name: ""', //                               22
      '        track: { branch: main }', //                23
      `      - name: ${'a'.repeat(64)}`, //                24
      '        track: { branch: main }', //                25
    ].join('\n'),
  );
  assert.deepEqual(problems(text), [
    'slipway.yaml:6 apps.web.environments.preview.name: a pullRequests environment needs {number} in its name, e.g. pr-{number}, so each gets its own',
    'slipway.yaml:8 apps.web.environments[1].name: {number} is only for pullRequests environments; use {branch} here',
    'slipway.yaml:10 apps.web.environments[2].name: {branch} is only for branches environments; use {number} here',
    'slipway.yaml:12 apps.web.environments[3].name: an environment that follows one branch has a fixed name such as staging, without placeholders',
    'slipway.yaml:14 apps.web.environments[4].name: an environment that follows releases has a fixed name such as staging, without placeholders',
    'slipway.yaml:16 apps.web.environments[5].name: expected a-z, 0-9 and "-", with placeholders such as pr-{number} or br-{branch}',
    'slipway.yaml:18 apps.web.environments[6].name: expected 1 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-"',
    'slipway.yaml:20 apps.web.environments[7].name: unknown placeholder; a name may use {number} (pullRequests), {branch} (branches) and {app}',
    'slipway.yaml:22 apps.web.environments[8].name: must not be empty',
    'slipway.yaml:24 apps.web.environments[9].name: expected 1 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-"',
  ]);
  // {app} is allowed in templates.
  assert.deepEqual(envs('      - name: "{app}-pr-{number}"\n        track: { pullRequests: {} }\n')?.[0]?.name, '{app}-pr-{number}');
});

test('duplicate environment names within an app are refused; across apps they are fine', () => {
  const text = app(
    [
      '    environments:',
      '      - name: staging', //                 6
      '        track: { branch: main }', //       7
      '      - name: staging', //                 8
      '        track: { branch: develop }', //    9
      '      - name: pr-{number}', //             10
      '        track: { pullRequests: {} }', //   11
      '      - name: pr-{number}', //             12
      '        track: { pullRequests: {} }', //   13
    ].join('\n'),
  );
  assert.deepEqual(problems(text), [
    'slipway.yaml:8 apps.web.environments.staging.name: another environment of this app (environments[0]) has the same name; names must be unique within an app',
    'slipway.yaml:12 apps.web.environments[3].name: another environment of this app (environments[2]) has the same name; names must be unique within an app',
  ]);
  const twoApps = `${app('    environments:\n      - name: staging\n        track: { branch: main }\n')}  - name: api\n    repo: acme/api\n    target: { type: command, deploy: [x] }\n    environments:\n      - name: staging\n        track: { branch: main }\n`;
  assert.equal(parse(twoApps).apps.length, 2);
});

test('durations: units d h m s, combined largest first, stored as milliseconds', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('72h'), 259_200_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1d2h3m4s'), 93_784_000);
  for (const bad of ['', '10', 'm', '1.5h', '30m1h', '1h 30m', '-5m', '10ms', '1w', '5M']) assert.equal(parseDuration(bad), null, bad);
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(604_800_000), '7d');
});

test('duration problems in the config: format, zero, too long for a timer', () => {
  const text = [
    'engine:', //                 1
    '  resyncInterval: 5', //     2
    '  sweepInterval: 0s', //     3
    '  concurrency: 0', //        4
    'apps:', //                   5
    '  - name: web', //           6
    '    repo: acme/web', //      7
    '    target:', //             8
    '      type: command', //     9
    '      deploy: [x]', //       10
    '      timeout: 25d', //      11
    '    environments:', //       12
    '      - name: staging', //   13
    '        track: { branch: main }', // 14
    '        ttl: 3 days', //     15
  ].join('\n');
  assert.deepEqual(problems(text), [
    'slipway.yaml:2 engine.resyncInterval: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
    'slipway.yaml:3 engine.sweepInterval: must be longer than 0s',
    'slipway.yaml:4 engine.concurrency: expected a whole number from 1 to 1000',
    'slipway.yaml:11 apps.web.target.timeout: must be at most 24d',
    'slipway.yaml:15 apps.web.environments.staging.ttl: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
  ]);
  // A long ttl is fine: it is not a single timer.
  assert.equal(envs('      - name: staging\n        track: { branch: main }\n        ttl: 90d\n')?.[0]?.ttlMs, 90 * 86_400_000);
});

test('engine: defaults, and values from the environment', () => {
  assert.deepEqual(parse('').engine, { concurrency: 4, resyncIntervalMs: 300_000, sweepIntervalMs: 600_000, leaseMs: 60_000 });
  const config = parseConfig('engine:\n  concurrency: ${C}\n  resyncInterval: ${R:-30s}\n', 'slipway.yaml', { C: '16' }, '/srv');
  assert.deepEqual(config.engine, { concurrency: 16, resyncIntervalMs: 30_000, sweepIntervalMs: 600_000, leaseMs: 60_000 });
  assert.deepEqual(problems('engine:\n  concurrency: 2.5\n  workers: 3\n'), [
    'slipway.yaml:2 engine.concurrency: expected a whole number from 1 to 1000',
    'slipway.yaml:3 engine.workers: unknown key "workers"; expected one of: concurrency, resyncInterval, sweepInterval, lease',
  ]);
});

test('engine.lease: 60s by default, at least 5s, a duration; bad values name the key', () => {
  assert.equal(parse('').engine.leaseMs, 60_000);
  assert.equal(parse('engine:\n  lease: 5s\n').engine.leaseMs, 5_000);
  assert.equal(parse('engine:\n  lease: 2m30s\n').engine.leaseMs, 150_000);
  assert.deepEqual(problems('engine:\n  lease: 4s\n'), ['slipway.yaml:2 engine.lease: must be at least 5s']);
  assert.deepEqual(problems('engine:\n  lease: 0s\n'), ['slipway.yaml:2 engine.lease: must be longer than 0s']);
  assert.deepEqual(problems('engine:\n  lease: 60\n'), ['slipway.yaml:2 engine.lease: expected a duration such as 30s, 10m, 72h, 7d or 1h30m']);
  assert.deepEqual(problems('engine:\n  lease: 500ms\n'), ['slipway.yaml:2 engine.lease: expected a duration such as 30s, 10m, 72h, 7d or 1h30m']);
  assert.deepEqual(problems('engine:\n  lease: 25d\n'), ['slipway.yaml:2 engine.lease: must be at most 24d']);
  assert.deepEqual(problems('engine:\n  lease: [1m]\n'), ['slipway.yaml:2 engine.lease: expected a duration such as 30s, 10m, 72h, 7d or 1h30m']);
});

test('github.recovery: its interval defaults to 10m; bad values name the key', () => {
  assert.deepEqual(parse('').github.recovery, { intervalMs: 600_000 });
  assert.deepEqual(parse('github:\n  recovery:\n    interval: 30s\n').github.recovery, { intervalMs: 30_000 });
  assert.deepEqual(problems('github:\n  recovery:\n    interval: often\n'), [
    'slipway.yaml:3 github.recovery.interval: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
  ]);
  assert.deepEqual(problems('github:\n  recovery:\n    interval: 0s\n'), ['slipway.yaml:3 github.recovery.interval: must be longer than 0s']);
  assert.deepEqual(problems('github:\n  recovery:\n    interval: 30d\n'), ['slipway.yaml:3 github.recovery.interval: must be at most 24d']);
  assert.deepEqual(problems('github:\n  recovery:\n    every: 1m\n'), [
    'slipway.yaml:3 github.recovery.every: unknown key "every"; expected one of: interval',
  ]);
});

test('every problem across apps, targets and environments is reported at once', () => {
  const error = configError(() =>
    parse(
      [
        'apps:', //                                            1
        '  - name: web', //                                    2
        '    repo: acme/web', //                               3
        '    target: { type: helm }', //                       4
        '    environments:', //                                5
        '      - name: pr-{number}', //                        6
        '        track: { pullRequests: { forks: yes } }', //  7
        '        ttl: forever', //                             8
      ].join('\n'),
    ),
  );
  assert.deepEqual(error.message.split('\n'), [
    'slipway.yaml:4 apps.web.target.type: unknown target "helm"; expected one of: process, command, docker',
    'slipway.yaml:7 apps.web.environments[0].track.pullRequests.forks: expected one of: deny, allow, trusted, approve',
    'slipway.yaml:8 apps.web.environments[0].ttl: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
  ]);
  assert.deepEqual(error.problems[0], { file: 'slipway.yaml', line: 4, path: 'apps.web.target.type', message: 'unknown target "helm"; expected one of: process, command, docker' });
});
