import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { apiTokenFile, CLI, runCli, startServer } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

test('the built CLI runs by itself, as npx and the bin link run it', () => {
  // Executed directly (its shebang), not through `node`: a build that drops the exec bit fails here.
  const output = execFileSync(CLI, ['--version'], { encoding: 'utf8' });
  assert.match(output, /^\d+\.\d+\.\d+\n$/);
});

test('help, unknown commands and unknown options', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /serve .*validate .*deliveries .*send/s);
  const unknown = await runCli(['serv']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "serv"; expected one of: serve, validate, deliveries, send/);
  const option = await runCli(['serve', '--prot', '1']);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /Unknown option '--prot'.*slipway serve --help/s);
  const port = await runCli(['serve', '--port', 'eighty']);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /--port must be a port number/);
});

test('validate reports every problem with file, line and key path, and exits 1', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'server:\n  port: 99999\napps:\n  - name: web\n    repo: not-a-repo\n');
  const bad = await runCli(['validate', '--config', file]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad\.yaml:2 server\.port: expected a port number/);
  assert.match(bad.stderr, /bad\.yaml:5 apps\.web\.repo: expected "owner\/name"/);
  const good = await runCli(['validate'], { env: { SLIPWAY_CONFIG: 'slipway.yaml' } });
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /slipway\.yaml: valid/);
  const missing = await runCli(['validate', '--config', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /not found/);
});

test('serve refuses a bad config before starting', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'slipway.yaml'), 'serevr:\n  port: 1\n');
  const result = await runCli(['serve'], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /slipway\.yaml:1 serevr: /);
});

test('a first start generates a private webhook secret and API token once; send and deliveries use them', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'slipway.yaml'), 'store:\n  dataDir: data\n');
  const env = { SLIPWAY_WEBHOOK_SECRET: '' };
  const server = await startServer(t, [], { cwd: dir, env });
  const secretFile = join(dir, 'data', 'webhook-secret');
  assert.match(server.output(), /generated a webhook secret/);
  assert.equal(statSync(secretFile).mode & 0o777, 0o600);
  const secret = readFileSync(secretFile, 'utf8').trim();
  assert.doesNotMatch(server.output(), new RegExp(secret), 'the secret itself is never printed');
  const tokenFile = join(dir, 'data', 'api-token');
  assert.equal(apiTokenFile(server.output()), tokenFile, 'the log says where the API token is');
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
  const token = readFileSync(tokenFile, 'utf8').trim();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.ok(!server.output().includes(token), 'the token itself is never printed');

  const payload = join(dir, 'ping.json');
  writeFileSync(payload, JSON.stringify({ zen: 'Half measures are as bad as nothing at all.', hook_id: 1 }));
  const port = new URL(server.url).port;
  const sent = await runCli(['send', '--event', 'ping', '--payload', payload, '--delivery', 'cli-1'], { cwd: dir, env: { ...env, SLIPWAY_PORT: port } });
  assert.equal(sent.code, 0, sent.stderr + sent.stdout);
  assert.match(sent.stdout, /^202 /);
  const form = await runCli(['send', '--event', 'ping', '--payload', payload, '--form', '--url', `${server.url}/webhooks/github`], { cwd: dir, env });
  assert.equal(form.code, 0, form.stderr + form.stdout);
  const wrong = await runCli(['send', '--event', 'ping', '--payload', payload, '--secret', 'nope', '--url', `${server.url}/webhooks/github`], { cwd: dir, env });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stdout, /^401 .*signature_invalid/s);

  const listed = await runCli(['deliveries', '--url', server.url], { cwd: dir, env });
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /RECEIVED\s+ID\s+EVENT/);
  assert.match(listed.stdout, /cli-1\s+ping/);
  const ofRepo = join(dir, 'ping-repo.json');
  writeFileSync(ofRepo, JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 2, repository: { full_name: 'acme/web' } }));
  assert.equal((await runCli(['send', '--event', 'ping', '--payload', ofRepo, '--delivery', 'cli-repo'], { cwd: dir, env: { ...env, SLIPWAY_PORT: port } })).code, 0);
  const filtered = await runCli(['deliveries', '--repo', 'acme/web', '--url', server.url], { cwd: dir, env });
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.match(filtered.stdout, /cli-repo\s+ping/);
  assert.doesNotMatch(filtered.stdout, /cli-1/, 'only that repository\'s');
  const one = await runCli(['deliveries', 'cli-1', '--url', server.url], { cwd: dir, env });
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /"zen": "Half measures/);
  const wrongToken = await runCli(['deliveries', '--url', server.url], { cwd: dir, env: { ...env, SLIPWAY_API_TOKEN: 'wrong' } });
  assert.equal(wrongToken.code, 1);
  assert.match(wrongToken.stderr, /send the API token as "Authorization: Bearer <token>".*\(401 from GET \/api\/deliveries\)/);
  assert.ok(!wrongToken.stderr.includes(token) && !server.output().includes(token), 'nor in errors or logs after a refusal');

  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  const again = await startServer(t, [], { cwd: dir, env });
  assert.doesNotMatch(again.output(), /generated a webhook secret/);
  assert.equal(readFileSync(secretFile, 'utf8').trim(), secret, 'the same secret is reused');
  assert.equal(readFileSync(tokenFile, 'utf8').trim(), token, 'the same token is reused');
  assert.equal((await again.api('GET', '/api/deliveries/cli-1')).status, 200);
  const unreachable = await runCli(['deliveries', '--url', 'http://127.0.0.1:1'], { cwd: dir, env });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /cannot reach slipway/);
});

test('send refuses bad arguments clearly', async (t) => {
  const dir = tempDir(t);
  const noEvent = await runCli(['send', '--payload', 'x.json'], { cwd: dir });
  assert.equal(noEvent.code, 2);
  assert.match(noEvent.stderr, /--event is required/);
  const missing = await runCli(['send', '--event', 'ping', '--payload', join(dir, 'none.json')], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read --payload .*ENOENT/);
  writeFileSync(join(dir, 'bad.json'), '{not json');
  const invalid = await runCli(['send', '--event', 'ping', '--payload', join(dir, 'bad.json'), '--secret', 's'], { cwd: dir });
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /is not valid JSON/);
});

test('--insecure-skip-signature warns at start', async (t) => {
  const dir = tempDir(t);
  const server = await startServer(t, ['--insecure-skip-signature'], { cwd: dir, env: { SLIPWAY_WEBHOOK_SECRET: 's' } });
  assert.match(server.output(), /WITHOUT checking their signature/);
});
