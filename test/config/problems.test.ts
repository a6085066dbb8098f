import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { configError, problems } from './helpers.js';

test('wrong type: file, line, path and what was expected', () => {
  assert.deepEqual(problems('server:\n  host: [a]\nlog: debug\n'), [
    'slipway.yaml:2 server.host: expected a string, got a list',
    'slipway.yaml:3 log: expected a mapping, got a string',
  ]);
  assert.deepEqual(problems('- a\n'), ['slipway.yaml:1 expected a mapping, got a list']);
});

test('unknown key names the key and the keys allowed there', () => {
  assert.deepEqual(problems('server:\n  prot: 80\nservers: {}\n'), [
    'slipway.yaml:2 server.prot: unknown key "prot"; expected one of: host, port, publicUrl, apiToken, maxConnections, headersTimeout, keepAliveTimeout, maxBodySize, maxUnverifiedBytes',
    'slipway.yaml:3 servers: unknown key "servers"; expected one of: server, github, store, log, engine, artifacts, router, ui, retention, apps, notifications',
  ]);
  assert.deepEqual(problems('apps:\n  - name: web\n    repo: acme/web\n    branch: main\n'), [
    'slipway.yaml:4 apps.web.branch: unknown key "branch"; expected one of: name, repo, url, target, env, environments',
  ]);
});

test('bad repo format', () => {
  assert.deepEqual(problems('apps:\n  - name: web\n    repo: acme/web\n  - name: api\n    repo: https://github.com/acme/api\n  - name: x\n    repo: acme\n'), [
    'slipway.yaml:5 apps.api.repo: expected "owner/name"',
    'slipway.yaml:7 apps.x.repo: expected "owner/name"',
  ]);
});

test('list items without a valid name are shown by index', () => {
  assert.deepEqual(problems('apps:\n  - name: web\n    repo: acme/web\n  - repo: acme/api\n  - name: Not OK!\n    repo: a/b\n'), [
    'slipway.yaml:4 apps[1].name: is required',
    'slipway.yaml:5 apps[2].name: expected 1 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-"',
  ]);
  // A name that came from the environment is not shown either.
  assert.deepEqual(problems('apps:\n  - name: ${APP}\n    repo: nope\n', { APP: 'web' }), [
    'slipway.yaml:3 apps[0].repo: expected "owner/name"',
  ]);
});

test('app names must be DNS-label-ish', () => {
  const long = 'a'.repeat(64);
  for (const name of ['Web', 'web_1', '-web', 'web-', long, '""']) {
    assert.equal(problems(`apps:\n  - name: ${name}\n    repo: a/b\n`).length, 1, name);
  }
  parseConfig(`apps:\n  - name: ${'a'.repeat(63)}\n    repo: a/b\n  - name: '1'\n    repo: a/b\n`, 'slipway.yaml', {}, '/srv/slipway');
});

test('duplicate app names are reported at the repeat', () => {
  assert.deepEqual(problems('apps:\n  - name: web\n    repo: acme/web\n  - name: api\n    repo: acme/api\n  - name: web\n    repo: acme/web2\n'), [
    'slipway.yaml:6 apps.web.name: another app (apps[0]) has the same name; app names must be unique',
  ]);
});

test('bad port', () => {
  const expected = (line: number) => `slipway.yaml:${line} server.port: expected a port number from 1 to 65535`;
  for (const port of ['0', '65536', '80.5', 'http', '-1', '[80]']) {
    assert.deepEqual(problems(`\nserver:\n  port: ${port}\n`), [expected(3)], port);
  }
  assert.deepEqual(problems('server:\n  port: ${PORT}\n', { PORT: '99999' }), [expected(2)]);
});

test('publicUrl must be an absolute http(s) URL', () => {
  for (const url of ['slipway.example.com', 'ftp://example.com', '/relative']) {
    assert.deepEqual(problems(`server:\n  publicUrl: ${url}\n`), [
      'slipway.yaml:2 server.publicUrl: expected an absolute http(s) URL such as https://slipway.example.com',
    ]);
  }
});

test('github.apiUrl must be an absolute http(s) URL without credentials', () => {
  const hint = 'expected an absolute http(s) URL such as https://api.github.com, or https://github.example.com/api/v3 for GitHub Enterprise Server';
  for (const url of ['github.example.com/api/v3', 'ftp://github.example.com', '/api/v3']) {
    assert.deepEqual(problems(`github:\n  apiUrl: ${url}\n`), [`slipway.yaml:2 github.apiUrl: ${hint}`], url);
  }
  assert.deepEqual(problems('github:\n  apiUrl: https://x:ghp_abc@github.example.com/api/v3\n'), [
    'slipway.yaml:2 github.apiUrl: must not carry credentials; remove them from the URL and set github.token',
  ]);
  assert.deepEqual(problems('github:\n  apiUrl: [https://api.github.com]\n'), ['slipway.yaml:2 github.apiUrl: expected a string, got a list']);
});

test('YAML syntax errors are reported with their line', () => {
  assert.deepEqual(problems('server:\n  host: "unclosed\n'), ['slipway.yaml:3 YAML syntax error: missing closing quote or bracket']);
  assert.deepEqual(problems('log:\n  level: info\nlog:\n  level: debug\n'), [
    'slipway.yaml:3 YAML syntax error: duplicate key; each key may appear only once in a mapping',
  ]);
  assert.deepEqual(problems('server:\n\tport: 1\n'), ['slipway.yaml:2 YAML syntax error: tab used for indentation; indent with spaces']);
  assert.deepEqual(problems('apps:\n  - name: web\n repo: a/b\n'), [
    'slipway.yaml:3 YAML syntax error: bad indentation; check this line lines up with the keys around it',
  ]);
  assert.deepEqual(problems('server: *nothing\n'), [
    'slipway.yaml:1 server: unknown YAML alias; define the anchor (&name) before using it (*name)',
  ]);
});

test('every problem is reported at once, sorted by line', () => {
  const text = [
    'apps:', //                                  1
    '  - name: web', //                          2
    '    repo: nope', //                         3
    '  - name: web', //                          4
    '    repo: ${REPO}', //                      5
    'log:', //                                   6
    '  level: loud', //                          7
    'server:', //                                8
    '  port: 0', //                              9
    '  hots: x', //                              10
    'github:', //                                11
    '  webhookSecret: []', //                    12
  ].join('\n');
  const error = configError(() => parseConfig(text, 'slipway.yaml', {}, '/'));
  assert.deepEqual(error.message.split('\n'), [
    'slipway.yaml:3 apps.web.repo: expected "owner/name"',
    'slipway.yaml:4 apps.web.name: another app (apps[0]) has the same name; app names must be unique',
    'slipway.yaml:5 apps.web.repo: environment variable REPO is not set',
    'slipway.yaml:7 log.level: expected one of: fatal, error, warn, info, debug, trace, silent',
    'slipway.yaml:9 server.port: expected a port number from 1 to 65535',
    'slipway.yaml:10 server.hots: unknown key "hots"; expected one of: host, port, publicUrl, apiToken, maxConnections, headersTimeout, keepAliveTimeout, maxBodySize, maxUnverifiedBytes',
    'slipway.yaml:12 github.webhookSecret: must not be an empty list',
  ]);
  assert.equal(error.code, 'config_invalid');
  assert.deepEqual(error.problems[0], { file: 'slipway.yaml', line: 3, path: 'apps.web.repo', message: 'expected "owner/name"' });
});

test('guarding secrets given empty are refused rather than switched off', () => {
  assert.deepEqual(problems('server:\n  apiToken: ""\ngithub:\n  webhookSecret: ${S:-}\n'), [
    'slipway.yaml:2 server.apiToken: must not be empty; remove the key to leave it unset',
    'slipway.yaml:4 github.webhookSecret: must not be empty; remove the key to leave it unset',
  ]);
  assert.deepEqual(problems('github:\n  webhookSecret: {a: b}\n'), [
    'slipway.yaml:2 github.webhookSecret: expected a non-empty string, or a non-empty list of them (remove the key to leave it unset)',
  ]);
});

test('secret values never appear in any message', () => {
  const secret = 'hunter2-s3cr3t-VALUE';
  const env = { SECRET: secret, SLIPWAY_WEBHOOK_SECRET: secret, GITHUB_TOKEN: secret };
  const texts = [
    // secrets in the wrong-typed spots, written literally and from the environment
    `server:\n  port: ${secret}\n  host: [${secret}]\n  publicUrl: ${secret}\n`,
    'server:\n  port: ${SECRET}\n  publicUrl: ${SECRET}\n  apiToken: [a]\nlog:\n  level: ${SECRET}\n',
    `github:\n  webhookSecret: {value: ${secret}}\n  token: 12\nserver:\n  apiToken: {a: ${secret}}\n`,
    'github:\n  webhookSecret: ["${SLIPWAY_WEBHOOK_SECRET}", 5]\n  token: ["${GITHUB_TOKEN}"]\n',
    `apps:\n  - name: ${secret}\n    repo: ${secret}\n  - name: ${secret}\n    repo: x\n`,
    'apps:\n  - name: ${SECRET}\n    repo: ${SECRET}\n  - name: ${SECRET}\n    repo: ${SECRET}\n',
    `apps: ${secret}\n`,
    // apps: remotes, target types and environments
    'apps:\n  - name: web\n    repo: a/b\n    url: ${SECRET}\n    target:\n      type: ${SECRET}\n      deploy: ${SECRET}\n      timeout: ${SECRET}\n',
    `apps:\n  - name: web\n    repo: a/b\n    url: https://x:${secret}@github.com/a/b.git\n    target:\n      type: command\n      deploy: [x]\n      url: ${secret}\n`,
    `apps:\n  - name: web\n    repo: a/b\n    target: { type: command, deploy: [x] }\n    environments:\n      - name: ${secret}\n        track: { branch: ${secret}, release: ${secret} }\n        ttl: ${secret}\n`,
    'engine:\n  concurrency: ${SECRET}\n  resyncInterval: ${SECRET}\n',
    // the GitHub API URL, artifact limits, gates, artifacts and rollbacks
    `github:\n  apiUrl: https://x:${secret}@github.example.com\nartifacts:\n  maxSize: ${secret}\n  maxFiles: ${secret}\n`,
    'github:\n  apiUrl: ${SECRET}\nartifacts:\n  maxSize: ${SECRET}\n',
    `apps:\n  - name: web\n    repo: a/b\n    target: { type: command, deploy: [x] }\n    environments:\n      - name: qa\n        track: { deployments: ${secret}, workflowRun: { workflow: ${secret}, branch: "${secret}*" } }\n        gate: { checks: [${secret}, ${secret}], checkSuites: ${secret}, timeout: ${secret} }\n        artifact: ${secret}\n        rollback: { on: [${secret}] }\n`,
    `${secret}\n`,
    // syntax errors on a line holding a secret
    `github:\n  token: "${secret}\n`,
    `- a\nb: ${secret}\n`,
    `github:\n  token: ${secret}: x\n`,
    `server:\n  port: !${secret} x\n`,
    `server:\n  host: "\\${secret}"\n`,
  ];
  for (const text of texts) {
    const error = configError(() => parseConfig(text, 'slipway.yaml', env, '/'));
    assert.ok(error.problems.length > 0);
    assert.ok(!error.message.includes(secret), `secret leaked by:\n${text}\n---\n${error.message}`);
    assert.ok(!error.message.includes('s3cr3t'), error.message);
  }
});
