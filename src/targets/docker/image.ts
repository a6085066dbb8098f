import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { formatDuration } from '../../config/duration.js';
import { SlipwayError } from '../../errors.js';
import { TARGET_CANCELLED } from '../target.js';
import { packContext } from './context.js';
import { engineError } from './engine.js';
import { LABELS } from './labels.js';
import { OutputTail } from '../output-tail.js';
import { proxyVariables } from '../pass-through.js';

/** How the image of a sha is made: built from the repository, or pulled (CI pushed it). */
export type ImageSource =
  | { kind: 'build'; workdir: string; context: string; dockerfile: string; buildArgs: Record<string, string> }
  | { kind: 'pull'; image: string };

export interface ImageRequest {
  /** `slipway/<app>:<sha>`: the name the image of this sha is kept under. */
  tag: string;
  source: ImageSource;
  log: (text: string) => void;
  signal: AbortSignal;
  timeoutMs: number;
  /** Where the engine is, for messages. */
  engine: string;
}

/** What made an image: an image of the same sha made another way (a new Dockerfile path, new build args) is made again. */
export function recipeOf(source: ImageSource): string {
  const recipe = source.kind === 'pull' ? { image: source.image } : { context: source.context, dockerfile: source.dockerfile, buildArgs: source.buildArgs };
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

/** What an image is made by, for `slipway env`: `Dockerfile`, `docker/web.Dockerfile (context web/)`, `image ghcr.io/acme/web:pr-7`. */
export function describeSource(source: ImageSource): string {
  if (source.kind === 'pull') return `image ${source.image}`;
  return source.context === '.' ? source.dockerfile : `${source.dockerfile} (context ${source.context}/)`;
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  id?: string;
  progressDetail?: { current?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** Reads the engine's JSON-lines progress stream, handing each event over; resolves at its end. */
async function follow(stream: Readable, onEvent: (event: ProgressEvent) => void): Promise<void> {
  let buffer = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    buffer += chunk.toString('utf8');
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line === '') continue;
      try {
        onEvent(JSON.parse(line) as ProgressEvent);
      } catch {
        onEvent({ stream: `${line}\n` });
      }
    }
  }
}

async function exists(docker: Docker, name: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(name).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}

/**
 * Makes the image of a sha once: an image already tagged `request.tag` and made by the same
 * recipe is used as it is. A build streams its output into the deployment's log; one that
 * fails, or a pull that fails, rejects with the last lines of that output. It stops when the
 * signal fires or `timeoutMs` passes.
 */
export async function ensureImage(docker: Docker, request: ImageRequest): Promise<void> {
  const { tag, source, log } = request;
  const recipe = recipeOf(source);
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = AbortSignal.any([request.signal, timeout]);
  const doing = source.kind === 'pull' ? `pulling ${source.image}` : `building ${tag}`;
  const tail = new OutputTail();
  try {
    if (source.kind === 'build') {
      const found = await exists(docker, tag);
      if (found?.Config.Labels?.[LABELS.recipe] === recipe) {
        log(`slipway: the image ${tag} is built already; using it\n`);
        return;
      }
      const context = await packContext(source.workdir, source.context, source.dockerfile);
      log(`slipway: building ${tag} from ${source.dockerfile} (context ${source.context})\n`);
      const stream = await docker.buildImage(context.tar as unknown as NodeJS.ReadableStream, {
        t: tag,
        dockerfile: context.dockerfile,
        // slipway's proxies, as Docker's predefined build arguments: out of the recipe, so a new proxy rebuilds nothing.
        buildargs: { ...proxyVariables(), ...source.buildArgs },
        // One label: the legacy builder adds a step (an intermediate container) per label.
        labels: { [LABELS.recipe]: recipe },
        rm: true,
        forcerm: true,
        abortSignal: signal,
      });
      await follow(stream as Readable, (event) => {
        const text = event.stream ?? (event.status === undefined ? '' : `${event.status}\n`);
        if (text !== '') {
          tail.add(text);
          log(text);
        }
        if (event.error !== undefined) tail.fail(event.errorDetail?.message ?? event.error);
      });
    } else {
      if ((await exists(docker, source.image)) === null) {
        log(`slipway: pulling ${source.image}\n`);
        const stream = await docker.pull(source.image, { abortSignal: signal });
        await follow(stream as Readable, (event) => {
          // Progress bars are left out: one line per layer and state.
          if (event.status !== undefined && event.progressDetail?.current === undefined) {
            const text = `${event.id === undefined ? '' : `${event.id}: `}${event.status}\n`;
            tail.add(text);
            log(text);
          }
          if (event.error !== undefined) tail.fail(event.errorDetail?.message ?? event.error);
        });
      } else {
        log(`slipway: the image ${source.image} is on the engine already; using it\n`);
      }
      if (tail.failure === null) {
        const [repo = tag, name = ''] = splitTag(tag);
        await docker.getImage(source.image).tag({ repo, tag: name });
      }
    }
  } catch (error) {
    if (request.signal.aborted) throw new SlipwayError(TARGET_CANCELLED, 'the deployment was cancelled while the image was made');
    if (timeout.aborted) {
      throw new SlipwayError('target_docker_build_timeout', `${doing} took longer than target.buildTimeout (${formatDuration(request.timeoutMs)}); stopped${tail.describe()}`);
    }
    throw engineError(error, doing, request.engine);
  }
  if (tail.failure !== null) {
    const what = source.kind === 'pull' ? `cannot pull ${source.image}` : `docker build failed`;
    throw new SlipwayError(source.kind === 'pull' ? 'target_docker_pull' : 'target_docker_build', `${what}: ${tail.failure}${tail.describe()}`);
  }
}

/** `slipway/web:abc` → [`slipway/web`, `abc`]. */
function splitTag(tag: string): [string, string] {
  const colon = tag.lastIndexOf(':');
  return [tag.slice(0, colon), tag.slice(colon + 1)];
}
