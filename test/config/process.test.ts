import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { problems } from './helpers.js';

const parse = (text: string) => parseConfig(text, 'slipway.yaml', {}, '/srv');

test('an app without target runs its environments as local processes; router defaults', () => {
  const config = parse(`
apps:
  - name: web
    repo: acme/web
    env: { NODE_ENV: production, WORKERS: 3, DEBUG: false }
    environments:
      - name: staging
        track: { branch: main }
        env: { NODE_ENV: staging }
`);
  assert.deepEqual(config.router, { host: '0.0.0.0', port: 8081, domain: 'localhost', listener: { maxConnections: undefined, headersTimeoutMs: 20_000, keepAliveTimeoutMs: 5_000 } });
  const [app] = config.apps;
  assert.deepEqual(app?.target, { type: 'process', manifest: null, stopGraceMs: 10_000, logMaxBytes: 10_485_760, logFiles: 2, buildTimeoutMs: 900_000 });
  assert.deepEqual(app?.env, { NODE_ENV: 'production', WORKERS: '3', DEBUG: 'false' });
  assert.deepEqual(app?.environments[0]?.env, { NODE_ENV: 'staging' });
});

test('a variable written { value, secret: true } is kept as text and named secret, on the app and on an environment', () => {
  const config = parse(`
apps:
  - name: web
    repo: acme/web
    env: { API_KEY: { value: k3y, secret: true }, RETRIES: { value: 3 }, PLAIN: x }
    environments:
      - name: pr-{number}
        track: { pullRequests: { forks: approve } }
        env: { DB_URL: { value: "postgres://u:p@db/x", secret: true }, API_KEY: public }
`);
  const [app] = config.apps;
  assert.deepEqual(app?.env, { API_KEY: 'k3y', RETRIES: '3', PLAIN: 'x' });
  assert.deepEqual(app?.secretEnv, ['API_KEY']);
  assert.deepEqual(app?.environments[0]?.env, { DB_URL: 'postgres://u:p@db/x', API_KEY: 'public' });
  assert.deepEqual(app?.environments[0]?.secretEnv, ['DB_URL']);
  assert.equal(app?.environments[0]?.track.kind === 'pullRequests' && app.environments[0].track.forks, 'approve');
});

test('a badly written secret variable is refused at its path, without its value', () => {
  const text = `
apps:
  - name: web
    repo: acme/web
    env:
      A: { value: s3cr3t-v4lue, secret: yes }
      B: { secret: true }
      C: { value: [1], sekret: true }
`;
  const found = problems(text);
  assert.deepEqual(found, [
    'slipway.yaml:6 apps.web.env.A.secret: expected true or false',
    'slipway.yaml:7 apps.web.env.B.value: expected a string, a number or true/false',
    'slipway.yaml:8 apps.web.env.C.value: expected a string, a number or true/false',
    'slipway.yaml:8 apps.web.env.C: expected one of: value, secret',
  ]);
  assert.ok(found.every((line) => !line.includes('s3cr3t')));
});

test('a process target takes a manifest path and a stop grace; the router a port (0: any free one) and a domain', () => {
  const config = parse(`
router: { port: 0, domain: preview.example.com, host: 127.0.0.1 }
apps:
  - name: web
    repo: acme/web
    target: { type: process, manifest: deploy/slipway.app.yaml, stopGrace: 30s, buildTimeout: 1h30m }
`);
  assert.deepEqual(config.router, { host: '127.0.0.1', port: 0, domain: 'preview.example.com', listener: { maxConnections: undefined, headersTimeoutMs: 20_000, keepAliveTimeoutMs: 5_000 } });
  assert.deepEqual(config.apps[0]?.target, { type: 'process', manifest: 'deploy/slipway.app.yaml', stopGraceMs: 30_000, logMaxBytes: 10_485_760, logFiles: 2, buildTimeoutMs: 5_400_000 });
});

test('bad process, env and router settings are refused at their line and path', () => {
  const text = `router:
  port: 70000
  domain: Preview_Example
apps:
  - name: web
    repo: acme/web
    target: { type: process, manifest: ../outside.yaml, stopGrace: soon, buildTimeout: forever }
    env:
      PORT: "1"
      SLIPWAY_ENV: x
      9LIVES: y
      NESTED: { a: 1 }
`;
  assert.deepEqual(problems(text), [
    'slipway.yaml:2 router.port: expected a port number from 0 (any free port) to 65535',
    'slipway.yaml:3 router.domain: expected a lowercase domain name such as localhost or preview.example.com',
    'slipway.yaml:7 apps.web.target.manifest: expected a path inside the repository, such as deploy/slipway.app.yaml (relative, without "..")',
    'slipway.yaml:7 apps.web.target.stopGrace: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
    'slipway.yaml:7 apps.web.target.buildTimeout: expected a duration such as 30s, 10m, 72h, 7d or 1h30m',
    'slipway.yaml:9 apps.web.env.PORT: PORT and SLIPWAY_* are set by slipway for every process; choose another name',
    'slipway.yaml:10 apps.web.env.SLIPWAY_ENV: PORT and SLIPWAY_* are set by slipway for every process; choose another name',
    'slipway.yaml:11 apps.web.env["9LIVES"]: a variable name is letters, digits and "_", not starting with a digit',
    'slipway.yaml:12 apps.web.env.NESTED.value: expected a string, a number or true/false',
    'slipway.yaml:12 apps.web.env.NESTED: expected one of: value, secret',
  ]);
});
