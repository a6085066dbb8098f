import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expand } from '../../src/config/expand.js';
import { parseConfig } from '../../src/config/load.js';
import { problems } from './helpers.js';

test('${VAR} is replaced from the env passed in, not process.env', () => {
  process.env.SLIPWAY_TEST_ONLY_IN_PROCESS = 'nope';
  try {
    assert.deepEqual(expand('a-${X}-b', { X: 'x' }), { value: 'a-x-b', expanded: true, problems: [] });
    assert.deepEqual(expand('${SLIPWAY_TEST_ONLY_IN_PROCESS}', {}).problems, [
      'environment variable SLIPWAY_TEST_ONLY_IN_PROCESS is not set',
    ]);
  } finally {
    delete process.env.SLIPWAY_TEST_ONLY_IN_PROCESS;
  }
});

test('${VAR:-default} uses the default when VAR is unset or empty', () => {
  assert.equal(expand('${X:-d}', {}).value, 'd');
  assert.equal(expand('${X:-d}', { X: '' }).value, 'd');
  assert.equal(expand('${X:-d}', { X: 'set' }).value, 'set');
  assert.equal(expand('${X:-}', {}).value, '');
  assert.equal(expand('${X:-a:b/c}', {}).value, 'a:b/c');
});

test('$${ is a literal ${ and other dollars are left alone', () => {
  assert.deepEqual(expand('$${X} $X $$ 5$', { X: 'x' }), { value: '${X} $X $$ 5$', expanded: false, problems: [] });
});

test('malformed references are problems that do not echo the text', () => {
  assert.match(expand('${not valid}', {}).problems[0] ?? '', /^invalid variable reference/);
  assert.match(expand('${X', {}).problems[0] ?? '', /^unterminated/);
  assert.match(expand('${X:-${Y}}', {}).problems[0] ?? '', /nested/);
});

test('expansion applies to parsed values: set, default, escape', () => {
  const text = [
    'server:',
    '  host: ${HOST}',
    '  port: ${PORT:-9000}',
    '  publicUrl: "https://$${literal}.example.com/${SUB:-x}"',
    'apps:',
    "  - name: '${APP}'",
    '    repo: ${OWNER}/web',
  ].join('\n');
  const config = parseConfig(text, 'slipway.yaml', { HOST: '127.0.0.1', APP: 'web', OWNER: 'acme' }, '/srv');
  assert.equal(config.server.host, '127.0.0.1');
  assert.equal(config.server.port, 9000);
  assert.equal(config.server.publicUrl, 'https://${literal}.example.com/x');
  assert.deepEqual(config.apps, [{ name: 'web', repo: 'acme/web', url: 'https://github.com/acme/web.git', target: { type: 'process', manifest: null, stopGraceMs: 10_000, logMaxBytes: 10_485_760, logFiles: 2, buildTimeoutMs: 900_000 }, env: {}, secretEnv: [], environments: [] }]);
});

test('a value cannot inject YAML: expanded text stays one string', () => {
  const config = parseConfig('server:\n  host: ${HOST}\n', 'slipway.yaml', { HOST: 'x\nport: 1\n#' }, '/srv');
  assert.equal(config.server.host, 'x\nport: 1\n#');
  assert.equal(config.server.port, 8080);
});

test('port accepts a string of digits from the environment', () => {
  const config = parseConfig('server:\n  port: ${PORT}\n', 'slipway.yaml', { PORT: '3000' }, '/srv');
  assert.equal(config.server.port, 3000);
});

test('an unset variable without default is a problem at its line and path', () => {
  assert.deepEqual(problems('server:\n  port: 1\n\ngithub:\n  webhookSecret: ${SLIPWAY_WEBHOOK_SECRET}\n'), [
    'slipway.yaml:5 github.webhookSecret: environment variable SLIPWAY_WEBHOOK_SECRET is not set',
  ]);
});

test('an unset variable is reported once, not again as a bad value', () => {
  assert.deepEqual(problems('server:\n  port: ${PORT}\napps:\n  - name: web\n    repo: ${REPO}\n'), [
    'slipway.yaml:2 server.port: environment variable PORT is not set',
    'slipway.yaml:5 apps.web.repo: environment variable REPO is not set',
  ]);
});

test('keys are not expanded', () => {
  assert.deepEqual(problems('server:\n  ${KEY}: 1\n', { KEY: 'port' }), [
    'slipway.yaml:2 server["${KEY}"]: unknown key "${KEY}"; expected one of: host, port, publicUrl, apiToken, maxConnections, headersTimeout, keepAliveTimeout, maxBodySize, maxUnverifiedBytes',
  ]);
});
