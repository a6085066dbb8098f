import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { problems } from './helpers.js';

const withTarget = (target: string) => `apps:\n  - name: web\n    repo: acme/web\n    target: ${target}\n`;
const targetOf = (target: string) => parseConfig(withTarget(target), 'slipway.yaml', {}, '/srv').apps[0]?.target;

test('docker target: defaults, and the example from the issue', () => {
  assert.deepEqual(targetOf('{ type: docker }'), {
    type: 'docker',
    dockerfile: 'Dockerfile',
    context: '.',
    buildArgs: {},
    port: 8080,
    publish: '127.0.0.1',
    health: { path: null, timeoutMs: 60_000 },
    resources: { memoryBytes: null, cpus: null, pids: 4096 },
    stopGraceMs: 10_000,
    buildTimeoutMs: 900_000,
    logMaxBytes: 10_485_760,
    logFiles: 2,
  });
  assert.deepEqual(
    targetOf(`
      type: docker
      dockerfile: deploy/web.Dockerfile
      context: app
      buildArgs: { NODE_ENV: production }
      port: 3000
      health: { path: /healthz, timeout: 60s }
      resources: { memory: 512MiB, cpus: 0.5 }
      stopGrace: 10s
      buildTimeout: 5m
      host: unix:///var/run/docker.sock`),
    {
      type: 'docker',
      dockerfile: 'deploy/web.Dockerfile',
      context: 'app',
      buildArgs: { NODE_ENV: 'production' },
      port: 3000,
      health: { path: '/healthz', timeoutMs: 60_000 },
      resources: { memoryBytes: 536_870_912, cpus: 0.5, pids: 4096 },
      stopGraceMs: 10_000,
      buildTimeoutMs: 300_000,
      logMaxBytes: 10_485_760,
      logFiles: 2,
      host: 'unix:///var/run/docker.sock',
      publish: '127.0.0.1',
    },
  );
  assert.equal((targetOf('{ type: docker, image: "ghcr.io/acme/web:{sha}" }') as { image?: string }).image, 'ghcr.io/acme/web:{sha}');
});

test('docker target: each bad value is named, and image: excludes what builds an image', () => {
  assert.deepEqual(
    problems(
      withTarget(`{ type: docker, dockerfile: ../Dockerfile, context: /etc, port: 0, host: "http://docker:2375", resources: { cpus: -1, memory: lots }, buildArgs: { "bad name": x, WORKERS: 3 }, health: { path: healthz } }`),
    ),
    [
      'slipway.yaml:4 apps.web.target.dockerfile: expected a path inside the repository, such as deploy/slipway.app.yaml (relative, without "..")',
      'slipway.yaml:4 apps.web.target.context: expected a path inside the repository, such as deploy/slipway.app.yaml (relative, without "..")',
      'slipway.yaml:4 apps.web.target.buildArgs["bad name"]: expected a build argument name: letters, digits and _',
      'slipway.yaml:4 apps.web.target.port: expected a whole number from 1 to 65535',
      'slipway.yaml:4 apps.web.target.health.path: expected a path such as /healthz (starting with /, no spaces)',
      'slipway.yaml:4 apps.web.target.resources.memory: expected a size such as 512MiB, 1GiB or 10MB: a whole number, then one of B, KB, MB, GB, KiB, MiB, GiB (none means bytes)',
      'slipway.yaml:4 apps.web.target.resources.cpus: expected a number of CPUs above 0, such as 0.5',
      'slipway.yaml:4 apps.web.target.host: expected unix:///path/to/docker.sock or tcp://host:port',
    ],
  );
  assert.deepEqual(problems(withTarget('{ type: docker, image: "ghcr.io/acme/web:{sha}", dockerfile: Dockerfile, buildArgs: {} }')), [
    'slipway.yaml:4 apps.web.target.dockerfile: is for building an image, but image: names one to run; keep one of the two',
    'slipway.yaml:4 apps.web.target.buildArgs: is for building an image, but image: names one to run; keep one of the two',
  ]);
  assert.deepEqual(problems(withTarget('{ type: docker, publish: 0.0.0.0 }')), [
    'slipway.yaml:4 apps.web.target.publish: expected one address, not 0.0.0.0: slipway reaches containers there',
  ]);
  assert.deepEqual(problems(withTarget('{ type: docker, publish: docker.internal }')), [
    "slipway.yaml:4 apps.web.target.publish: expected an IPv4 address of the engine's machine, such as 127.0.0.1 or 10.0.0.5",
  ]);
  assert.equal((targetOf('{ type: docker, host: "tcp://10.0.0.5:2375", publish: 10.0.0.5 }') as { publish?: string }).publish, '10.0.0.5');
  assert.deepEqual(problems(withTarget('{ type: docker, image: "Not An Image!" }')), [
    'slipway.yaml:4 apps.web.target.image: expected an image such as ghcr.io/acme/web:{sha}; placeholders: {app}, {env}, {pr}, {branch}, {sha}',
  ]);
  assert.deepEqual(problems(withTarget('{ type: docker, image: "ghcr.io/acme/web:{commit}" }')), [
    'slipway.yaml:4 apps.web.target.image: expected an image such as ghcr.io/acme/web:{sha}; placeholders: {app}, {env}, {pr}, {branch}, {sha}',
  ]);
});
