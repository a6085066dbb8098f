import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { webhookSecrets } from '../../src/config/schema.js';
import { defaultWorkDir } from '../../src/config/work-dir.js';
import { rejection, tempDir } from './helpers.js';

const repoRoot = process.cwd(); // tests run from the repository root

/** A listener's keys when left out: its cap derived at start, default timeouts. */
const LISTENER = { maxConnections: undefined, headersTimeoutMs: 20_000, keepAliveTimeoutMs: 5_000 };

const DEFAULTS = {
  server: { host: '0.0.0.0', port: 8080, listener: LISTENER, maxBodyBytes: 25_000_000, maxUnverifiedBytes: 67_108_864 },
  github: { apiUrl: 'https://api.github.com', recovery: { intervalMs: 600_000 } },
  log: { level: 'info' },
  engine: { concurrency: 4, resyncIntervalMs: 300_000, sweepIntervalMs: 600_000, leaseMs: 60_000 },
  artifacts: { maxBytes: 1_073_741_824, maxFiles: 10_000 },
  router: { host: '0.0.0.0', port: 8081, domain: 'localhost', listener: LISTENER },
  ui: { public: false },
  retention: {
    deliveries: { payloadsMs: 30 * 86_400_000, rowsMs: 90 * 86_400_000 },
    deployments: { keep: 100, ageMs: 90 * 86_400_000 },
    destroyedEnvironmentsMs: 90 * 86_400_000,
    notifications: { deliveredMs: 7 * 86_400_000, failedMs: 30 * 86_400_000 },
    pullRequestsMs: 90 * 86_400_000,
  },
  apps: [],
  notifications: [],
};

test('an empty file is an empty config: all defaults', () => {
  for (const text of ['', '# only a comment\n', '---\n']) {
    const config = parseConfig(text, 'slipway.yaml', {}, '/srv');
    assert.deepEqual(config, { ...DEFAULTS, store: { dataDir: '/srv/.slipway', workDir: defaultWorkDir('/srv/.slipway', '/srv') } });
  }
});

test('empty sections and keys mean their defaults', () => {
  const config = parseConfig('server:\n  port:\ngithub:\nlog:\napps:\n', 'slipway.yaml', {}, '/srv');
  assert.deepEqual(config, { ...DEFAULTS, store: { dataDir: '/srv/.slipway', workDir: defaultWorkDir('/srv/.slipway', '/srv') } });
});

test('a full config parses to the values given', () => {
  const text = `
server:
  host: 127.0.0.1
  port: 9000
  publicUrl: https://slipway.example.com/
  apiToken: api-token
github:
  webhookSecret: [new-secret, old-secret]
  token: gh-token
  apiUrl: https://github.example.com/api/v3/
store:
  dataDir: /var/lib/slipway
log:
  level: debug
apps:
  - name: web
    repo: acme/web
  - name: api-2
    repo: Acme-Corp/api.v2
`;
  const config = parseConfig(text, 'slipway.yaml', {}, '/srv');
  assert.deepEqual(config, {
    server: { host: '127.0.0.1', port: 9000, publicUrl: 'https://slipway.example.com', apiToken: 'api-token', listener: LISTENER, maxBodyBytes: 25_000_000, maxUnverifiedBytes: 67_108_864 },
    github: { webhookSecret: ['new-secret', 'old-secret'], token: 'gh-token', apiUrl: 'https://github.example.com/api/v3', recovery: { intervalMs: 600_000 } },
    store: { dataDir: '/var/lib/slipway', workDir: defaultWorkDir('/var/lib/slipway', '/srv') },
    log: { level: 'debug' },
    engine: { concurrency: 4, resyncIntervalMs: 300_000, sweepIntervalMs: 600_000, leaseMs: 60_000 },
    artifacts: { maxBytes: 1_073_741_824, maxFiles: 10_000 },
    router: { host: '0.0.0.0', port: 8081, domain: 'localhost', listener: LISTENER },
    ui: { public: false },
    retention: DEFAULTS.retention,
    notifications: [],
    apps: [
      { name: 'web', repo: 'acme/web', url: 'https://github.com/acme/web.git', target: { type: 'process', manifest: null, stopGraceMs: 10_000, logMaxBytes: 10_485_760, logFiles: 2, buildTimeoutMs: 900_000 }, env: {}, secretEnv: [], environments: [] },
      { name: 'api-2', repo: 'Acme-Corp/api.v2', url: 'https://github.com/Acme-Corp/api.v2.git', target: { type: 'process', manifest: null, stopGraceMs: 10_000, logMaxBytes: 10_485_760, logFiles: 2, buildTimeoutMs: 900_000 }, env: {}, secretEnv: [], environments: [] },
    ],
  });
});

test('webhookSecrets: configured list or string, else SLIPWAY_WEBHOOK_SECRET, else none', () => {
  const parse = (text: string) => parseConfig(text, 'slipway.yaml', {}, '/srv');
  const env = { SLIPWAY_WEBHOOK_SECRET: 'from-env' };
  assert.deepEqual(webhookSecrets(parse('github:\n  webhookSecret: one\n'), env), ['one']);
  assert.deepEqual(webhookSecrets(parse('github:\n  webhookSecret: [a, b, a]\n'), env), ['a', 'b']);
  assert.deepEqual(webhookSecrets(parse(''), env), ['from-env']);
  assert.deepEqual(webhookSecrets(parse(''), { SLIPWAY_WEBHOOK_SECRET: '' }), []);
  assert.deepEqual(webhookSecrets(parse(''), {}), []);
});

test('an optional token or URL left empty by ${VAR:-} counts as not set', () => {
  const text = 'server:\n  publicUrl: ${URL:-}\ngithub:\n  token: ${GITHUB_TOKEN:-}\n  apiUrl: ${GITHUB_API_URL:-}\n';
  const config = parseConfig(text, 'slipway.yaml', {}, '/srv');
  assert.equal(config.server.publicUrl, undefined);
  assert.equal(config.github.token, undefined);
  assert.equal(config.github.apiUrl, 'https://api.github.com');
});

test('dataDir is resolved relative to the config file folder', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'conf'));
  await writeFile(join(dir, 'conf', 'slipway.yaml'), 'store:\n  dataDir: state/here\n');
  const loaded = await loadConfig({ file: 'conf/slipway.yaml', env: {}, cwd: dir });
  assert.equal(loaded.file, join(dir, 'conf', 'slipway.yaml'));
  assert.equal(loaded.config.store.dataDir, join(dir, 'conf', 'state', 'here'));
});

test('store.workDir: outside the config and data folders, by default in the temp folder, one per data folder', async (t) => {
  const dir = await tempDir(t);
  const parse = (text: string) => parseConfig(text, 'slipway.yaml', {}, join(dir, 'conf'));
  const chosen = parse(`store:\n  workDir: ${join(dir, 'work')}\n`).store;
  assert.deepEqual(chosen, { dataDir: join(dir, 'conf', '.slipway'), workDir: join(dir, 'work') });
  assert.equal(parse('store:\n  workDir: ../work\n').store.workDir, join(dir, 'work'), 'relative to the config file');
  const byDefault = parse('').store.workDir;
  assert.equal(dirname(byDefault), tmpdir());
  assert.notEqual(byDefault, parse('store:\n  dataDir: other\n').store.workDir, 'two data folders, two work folders');
  const inTemp = parseConfig('', 'slipway.yaml', {}, tmpdir()).store.workDir;
  assert.equal(dirname(inTemp), '/var/tmp', 'a config in the temp folder itself: the next candidate');
  for (const [workDir, folder] of [['.slipway/work', 'the data folder'], ['work', "the config file's folder"], ['/', 'the data folder']] as const) {
    const error = await rejection(Promise.resolve().then(() => parse(`log: { level: info }\nstore:\n  workDir: ${workDir}\n`)));
    assert.equal(error.code, 'config_invalid');
    assert.match(error.message, new RegExp(`slipway\\.yaml:3 store\\.workDir: the work folder .* overlaps ${folder}.*choose a folder outside both`));
  }
});

test('without a file option, slipway.yaml in cwd is used when present', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'slipway.yaml'), 'log:\n  level: warn\n');
  const loaded = await loadConfig({ env: {}, cwd: dir });
  assert.equal(loaded.file, join(dir, 'slipway.yaml'));
  assert.equal(loaded.config.log.level, 'warn');
  assert.equal(loaded.config.store.dataDir, join(dir, '.slipway'));
});

test('without a file option and no slipway.yaml, defaults apply and dataDir is under cwd', async (t) => {
  const dir = await tempDir(t);
  const loaded = await loadConfig({ env: {}, cwd: dir });
  assert.deepEqual(loaded, { file: null, config: { ...DEFAULTS, store: { dataDir: join(dir, '.slipway'), workDir: defaultWorkDir(join(dir, '.slipway'), dir) } } });
});

test('a file given explicitly but missing is an error', async (t) => {
  const dir = await tempDir(t);
  const error = await rejection(loadConfig({ file: 'x.yaml', env: {}, cwd: dir }));
  assert.equal(error.code, 'config_not_found');
  assert.equal(error.message, 'config file not found: x.yaml');
  assert.deepEqual(error.problems, [{ file: 'x.yaml', line: null, path: '', message: 'config file not found: x.yaml' }]);
});

test('an unreadable file says so', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'slipway.yaml'));
  const error = await rejection(loadConfig({ file: 'slipway.yaml', env: {}, cwd: dir }));
  assert.equal(error.code, 'config_unreadable');
  assert.equal(error.message, 'cannot read config file slipway.yaml: it is a directory');
  // Also when found implicitly: a slipway.yaml that exists but cannot be read is not skipped.
  const implicit = await rejection(loadConfig({ env: {}, cwd: dir }));
  assert.equal(implicit.code, 'config_unreadable');
});

test('a file without read permission says so', { skip: process.getuid?.() === 0 && 'root can read anything' }, async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'slipway.yaml');
  await writeFile(file, '');
  await chmod(file, 0o000);
  const error = await rejection(loadConfig({ file, env: {}, cwd: dir }));
  assert.equal(error.message, `cannot read config file ${file}: permission denied`);
});

test('problems name the file as the user gave it', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'conf'));
  await writeFile(join(dir, 'conf', 'prod.yaml'), 'log:\n  level: loud\n');
  const error = await rejection(loadConfig({ file: './conf/prod.yaml', env: {}, cwd: dir }));
  assert.equal(error.code, 'config_invalid');
  assert.equal(error.message, './conf/prod.yaml:2 log.level: expected one of: fatal, error, warn, info, debug, trace, silent');
});

test('the example slipway.yaml at the repo root validates with an empty env', async () => {
  const loaded = await loadConfig({ file: 'slipway.yaml', env: {}, cwd: repoRoot });
  const [app] = loaded.config.apps;
  assert.equal(loaded.config.apps.length, 1);
  assert.equal(app?.name, 'web');
  assert.equal(app?.repo, 'acme/web');
  assert.equal(app?.url, 'file:///srv/git/web.git');
  assert.equal(app?.target?.type, 'command');
  assert.deepEqual(
    app?.environments.map((env) => [env.name, env.track.kind]),
    [
      ['staging', 'branch'],
      ['production', 'release'],
      ['nightly', 'workflowRun'],
      ['qa', 'deployments'],
      ['pr-{number}', 'pullRequests'],
      ['br-{branch}', 'branches'],
    ],
  );
  assert.deepEqual(loaded.config.github.apiUrl, 'https://api.github.com');
  assert.deepEqual(loaded.config.artifacts, { maxBytes: 1_073_741_824, maxFiles: 10_000 });
  assert.equal(loaded.config.store.dataDir, join(repoRoot, '.slipway'));
  assert.deepEqual(webhookSecrets(loaded.config, {}), []);
});

test('a config file in / holds every folder: the work folder is then not refused for it', () => {
  const config = parseConfig('store:\n  dataDir: /var/lib/slipway\n', 'slipway.yaml', {}, '/');
  assert.equal(dirname(config.store.workDir), tmpdir());
});
