import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { SlipwayError } from '../errors.js';
import { connectEngine, describeEngine } from '../targets/docker/engine.js';
import { LABELS, labelFilter } from '../targets/docker/labels.js';
import { DEMO_APP } from './config.js';

// What `slipway demo --target docker` asks of the Docker Engine itself: that it answers and has
// the base image before the story starts, and that the demo's containers go when the demo does
// (slipway's docker target leaves them running for its next start to adopt).

export interface DemoEngine {
  docker: Docker;
  /** Where it is, for messages. */
  where: string;
}

/** The engine slipway's docker target uses when the config names none: DOCKER_HOST, else the default socket. */
export function demoEngine(): DemoEngine {
  return { docker: connectEngine(undefined), where: describeEngine(undefined) };
}

interface RequestFailure {
  code?: string;
  statusCode?: number;
  json?: { message?: unknown } | null;
  message?: string;
}

/** Why a request failed, in the engine's words when it answered (dockerode wraps them in `(HTTP code 500) server error - …`). */
function reason(error: unknown): string {
  const failure = (error ?? {}) as RequestFailure;
  const said = failure.json?.message;
  if (typeof said === 'string' && said.trim() !== '') return said.trim();
  const message = (failure.message ?? String(error)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
  return message === '' ? String(failure.code ?? 'no reason given') : message;
}

/** The engine does not answer: `todo` says what the user can do about it. */
function noEngine(engine: DemoEngine, error: unknown, todo: string): SlipwayError {
  return new SlipwayError('demo_no_docker', `no Docker Engine answers at ${engine.where} (${reason(error)}); ${todo}`);
}

/**
 * Before the story: the engine answers, and has `base` or pulls it (`say` tells the user a pull
 * is under way). Throws a SlipwayError saying which of the two failed and what to do.
 */
export async function checkDockerDemo(engine: DemoEngine, base: string, say: (line: string) => void): Promise<void> {
  const { docker } = engine;
  try {
    await docker.ping();
  } catch (error) {
    throw noEngine(engine, error, 'start Docker or point DOCKER_HOST at an engine that runs, or run the demo with --target process');
  }
  const found = await docker.getImage(base).inspect().then(
    () => true,
    (error: RequestFailure) => {
      if (error.statusCode === 404) return false;
      throw new SlipwayError('demo_docker_engine', `asking the Docker Engine at ${engine.where} for ${base}: ${reason(error)}`);
    },
  );
  if (found) return;
  say(`pulling ${base}, which the demo's Dockerfile starts FROM ...`);
  try {
    await pull(docker, base);
  } catch (error) {
    throw new SlipwayError(
      'demo_base_image',
      `the demo's Dockerfile starts FROM ${base}, which this Docker Engine does not have and cannot pull: ${reason(error)}. Pull it, or pass --base-image with an image that has node (docker images lists them).`,
    );
  }
}

/** Pulls `image`, following the engine's progress stream to its end; an error in it rejects. */
async function pull(docker: Docker, image: string): Promise<void> {
  const stream = (await docker.pull(image)) as Readable;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null) => (error === null ? resolve() : reject(error)),
      (event: { error?: string; errorDetail?: { message?: string } }) => {
        if (event.error !== undefined) reject(new Error(event.errorDetail?.message ?? event.error));
      },
    );
  });
}

/** `<dataDir>/targets/docker/instance-id`: the docker target's id for the slipway on `dataDir` (see targets/docker/instance.ts). */
const instanceFile = (dataDir: string) => join(dataDir, 'targets', 'docker', 'instance-id');

async function instanceOf(file: string): Promise<string | null> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Removes the containers of the demo app that the slipway on `dataDir` made (found by the
 * labels its docker target puts on them), running or not, and returns how many. Nothing is
 * asked of the engine when that slipway never ran a docker target.
 */
export async function removeDemoContainers(dataDir: string, engine: DemoEngine = demoEngine()): Promise<number> {
  const file = instanceFile(dataDir);
  const instance = await instanceOf(file);
  if (instance === null) return 0;
  let containers: Docker.ContainerInfo[];
  try {
    containers = await engine.docker.listContainers({ all: true, filters: labelFilter(instance, DEMO_APP) });
  } catch (error) {
    const yourself = `docker ps -a --filter label=${LABELS.instance}=${instance} lists them; remove them, then delete ${file}`;
    throw noEngine(engine, error, `the containers the demo in ${dirname(dataDir)} ran cannot be removed: start it, or remove them yourself (${yourself})`);
  }
  for (const container of containers) {
    await engine.docker.getContainer(container.Id).remove({ force: true }).catch((error: RequestFailure) => {
      if (error.statusCode !== 404) throw new SlipwayError('demo_docker_engine', `removing the demo's container ${container.Names[0] ?? container.Id}: ${reason(error)}`);
    });
  }
  return containers.length;
}
