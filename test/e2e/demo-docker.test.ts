import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type Docker from 'dockerode';
import { pageTitle } from '../../src/demo/page.js';
import { LABELS } from '../../src/targets/docker/labels.js';
import { baseImage, testEngine } from '../fixtures/docker-base.js';
import { fails, runCli } from '../helpers/cli.js';
import { startDemo } from '../helpers/demo.js';
import { tempDir } from '../helpers/temp.js';

// `slipway demo --target docker` on the real Docker Engine (.ci/run starts one). Nothing can be
// pulled here, so the demo's Dockerfile starts FROM the base image made on this machine.

/** The containers the demo in `dir` made: labelled with the demo app and its slipway's instance id. */
async function demoContainers(docker: Docker, dir: string): Promise<Docker.ContainerInfo[]> {
  const instance = readFileSync(join(dir, 'data', 'targets', 'docker', 'instance-id'), 'utf8').trim();
  const label = [`${LABELS.managed}=true`, `${LABELS.app}=web`, `${LABELS.instance}=${instance}`];
  return docker.listContainers({ all: true, filters: { label } });
}

/**
 * A folder for the demo, removed after the test with whatever the demo left on the engine
 * (containers, the images of its commits): tempDir's own clean-up would run first.
 */
function demoDir(t: TestContext, docker: Docker): string {
  const root = mkdtempSync(join(tmpdir(), 'slipway-demo-'));
  const dir = join(root, 'demo');
  t.after(async () => {
    if (existsSync(join(dir, 'data', 'targets', 'docker', 'instance-id'))) {
      for (const container of await demoContainers(docker, dir)) await docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
      const shas = execFileSync('git', ['-C', join(dir, 'repo'), 'rev-list', '--all'], { encoding: 'utf8' }).split('\n').filter((sha) => sha !== '');
      for (const sha of shas) await docker.getImage(`slipway/web:${sha}`).remove({ force: true }).catch(() => undefined);
    }
    rmSync(root, { recursive: true, force: true });
  });
  return dir;
}

test('slipway demo --target docker plays the story with a container per environment, and removes them on Ctrl-C', async (t) => {
  const docker = await testEngine();
  const base = await baseImage(docker);
  const dir = demoDir(t, docker);
  const args = ['--target', 'docker', '--base-image', base, '--port', '0', '--router-port', '0', '--dir', dir];
  const demo = await startDemo(t, args, `Ctrl-C stops slipway and removes the demo's containers.`, 180_000);
  const stdout = demo.stdout();
  const stderr = demo.stderr();

  assert.match(stdout, new RegExp(`^Each environment is a container on the Docker Engine at \\S+, its image built from the repository's Dockerfile \\(FROM ${base.replace(/[.:/]/g, '\\$&')}\\)\\.$`, 'm'));
  const steps = stdout.split('\n').filter((line) => /^\[\d\/5\] /.test(line));
  assert.deepEqual(steps.map((line) => /^\[(\d)\/5\] .+ \.\.\. (ok): /.exec(line)?.slice(1)), [1, 2, 3, 4, 5].map((n) => [String(n), 'ok']), stdout);
  const said = stdout.match(/^ +the page says: .*/gm) ?? [];
  const versions = [['staging', 'v1.0.0'], ['pr-1', 'v1.1.0-pr.1'], ['pr-1', 'v1.1.0-pr.2'], ['production', 'v1.0.0']];
  assert.deepEqual(said.map((line) => / web · ([a-z0-9-]+) · (\S+) · [0-9a-f]{7}$/.exec(line)?.slice(1)), versions, stdout);
  assert.equal(stderr, '', 'nothing went wrong, nothing was logged at warn or above');

  // The environments that remain are containers of this demo's slipway, and the router reaches them.
  const running = await demoContainers(docker, dir);
  assert.deepEqual(running.map((container) => [container.Labels[LABELS.env], container.State]).sort(), [['production', 'running'], ['staging', 'running']]);
  const routerPort = /^Its router at http:\/\/127\.0\.0\.1:(\d+) /m.exec(stdout)?.[1];
  assert.ok(routerPort !== undefined, stdout);
  assert.match(await pageTitle(`http://staging.web.localhost:${routerPort}/`), /^web · staging · v1\.0\.0 · [0-9a-f]{7}$/);
  assert.match(await pageTitle(`http://production.web.localhost:${routerPort}/`), /^web · production · v1\.0\.0 · [0-9a-f]{7}$/);
  // Each commit of the story holds the Dockerfile (FROM the base image) and the .dockerignore.
  for (const ref of ['main', 'feature/greeting', 'feature/greeting~1']) {
    const show = (file: string) => execFileSync('git', ['-C', join(dir, 'repo'), 'show', `${ref}:${file}`], { encoding: 'utf8' });
    assert.match(show('Dockerfile'), new RegExp(`^FROM ${base.replace(/[.:/]/g, '\\$&')}$`, 'm'), ref);
    assert.equal(show('.dockerignore'), '.git\n', ref);
  }

  assert.equal(await demo.interrupt(), 0, demo.stderr());
  assert.match(demo.stdout(), /stopping slipway\nremoved the demo's 2 containers; the images slipway built \(slipway\/web:<sha>\) are kept\n$/);
  assert.deepEqual(await demoContainers(docker, dir), [], 'no container of the demo is left');
});

test('slipway demo --target docker with a base image the engine cannot pull says so and starts nothing', async (t) => {
  await testEngine();
  const dir = join(tempDir(t), 'demo');
  const missing = 'slipway-test/does-not-exist:1';
  const result = await runCli(['demo', '--target', 'docker', '--base-image', missing, '--port', '0', '--router-port', '0', '--dir', dir]);
  fails(
    result,
    1,
    /^slipway: the demo's Dockerfile starts FROM slipway-test\/does-not-exist:1, which this Docker Engine does not have and cannot pull: .+\. Pull it, or pass --base-image with an image that has node \(docker images lists them\)\.\n$/,
  );
  assert.doesNotMatch(result.stdout, /slipway runs at/, 'slipway did not start');
  assert.equal(existsSync(dir), false, 'nothing is made before the engine can run the story');
});

test('slipway demo --target docker without an engine says where it looked, a previous docker demo is kept until its containers can go, a bad --target or --base-image is a usage error', async (t) => {
  const dir = join(tempDir(t), 'demo');
  const noEngine = await runCli(['demo', '--target', 'docker', '--port', '0', '--dir', dir], { env: { DOCKER_HOST: `unix://${join(dir, 'docker.sock')}` } });
  fails(noEngine, 1, new RegExp(`^slipway: no Docker Engine answers at unix://${dir}/docker\\.sock \\(.+\\); start Docker or point DOCKER_HOST at an engine that runs, or run the demo with --target process\\n$`));
  // A previous demo that ran containers: its folder is kept until they can be removed.
  const previous = join(dir, 'data', 'targets', 'docker', 'instance-id');
  mkdirSync(dirname(previous), { recursive: true });
  writeFileSync(join(dir, '.slipway-demo'), '');
  writeFileSync(previous, '0123456789abcdef\n');
  const kept = await runCli(['demo', '--port', '0', '--dir', dir], { env: { DOCKER_HOST: `unix://${join(dir, 'docker.sock')}` } });
  fails(kept, 1, new RegExp(`the containers the demo in ${dir} ran cannot be removed: start it, or remove them yourself \\(docker ps -a --filter label=dev\\.slipway\\.instance=0123456789abcdef lists them; remove them, then delete ${previous}\\)\\n$`));
  assert.ok(existsSync(previous), 'nothing was deleted');
  assert.equal(existsSync(join(dir, 'data', 'slipway.lock')), false, 'the folder is not left locked');
  rmSync(dir, { recursive: true });

  fails(await runCli(['demo', '--target', 'foo', '--dir', dir]), 2, /^slipway: --target must be one of: process, docker \(not "foo"\)\n$/);
  fails(await runCli(['demo', '--target', 'docker', '--base-image', 'node:20\nRUN rm -rf /', '--dir', dir]), 2, /--base-image must be an image reference such as node:20-alpine/);
  fails(await runCli(['demo', '--base-image', 'node:20', '--dir', dir]), 2, /--base-image is for --target docker/);
  assert.equal(existsSync(dir), false, 'nothing is made');
});
