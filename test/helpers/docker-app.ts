import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type Docker from 'dockerode';
import { LABELS } from '../../src/targets/docker/labels.js';
import { baseImage, testEngine } from '../fixtures/docker-base.js';
import { appFiles } from './process-app.js';

// The process-target test app (process-app.ts), in a container: the same server, built FROM
// the base image made on this machine, listening on all of the container's interfaces.

export const DOCKER_TARGET = '{ type: docker, port: 8080, stopGrace: 2s, health: { path: /healthz, timeout: 30s } }';

/** The files of one commit of the app, with its Dockerfile. */
export function dockerAppFiles(version: string, base: string): Record<string, string> {
  const files = appFiles(version);
  delete files['slipway.app.yaml'];
  return { ...files, Dockerfile: `FROM ${base}\nWORKDIR /app\nENV LISTEN_HOST=0.0.0.0\nCOPY server.js version.txt ./\nCMD ["node", "server.js"]\n` };
}

export interface DockerForTest {
  docker: Docker;
  base: string;
  /** The containers this slipway made for an environment of app `web`, running or not. */
  containers(env: string): Promise<Docker.ContainerInfo[]>;
}

/**
 * The engine and the base image (call it once the slipway of `dataDir` started: its docker
 * target made its instance id); after the test, every container that slipway
 * made (by its instance label) and the images of app `web` at the shas the test names are removed.
 */
export async function dockerForTest(t: TestContext, dataDir: string, shas: () => string[]): Promise<DockerForTest> {
  const docker = await testEngine();
  const base = await baseImage(docker);
  // Read now: the folder may be gone by the time the cleanup runs.
  const instance = readFileSync(join(dataDir, 'targets', 'docker', 'instance-id'), 'utf8').trim();
  const made = (env?: string) => ({ label: [`${LABELS.instance}=${instance}`, ...(env === undefined ? [] : [`${LABELS.env}=${env}`])] });
  t.after(async () => {
    for (const container of await docker.listContainers({ all: true, filters: made() }).catch(() => [])) {
      await docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
    }
    for (const sha of shas()) await docker.getImage(`slipway/web:${sha}`).remove({ force: true }).catch(() => undefined);
  });
  return { docker, base, containers: (env) => docker.listContainers({ all: true, filters: made(env) }) };
}
