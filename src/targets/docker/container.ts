import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { LogOptions } from '../target.js';
import type { ExitInfo, Supervised } from '../supervisor.js';
import { engineError } from './engine.js';
import { lastLines } from '../output-tail.js';

/** What a new container is made with. */
export interface ContainerSpec {
  name: string;
  image: string;
  /** The port the app listens on inside; published on `publish` at a port the engine picks. */
  port: number;
  /** The address on the engine's machine the port is published on. */
  publish: string;
  /** Its whole environment (may hold secrets): sent in the create request's body, never on a command line. */
  env: Record<string, string>;
  labels: Record<string, string>;
  memoryBytes: number | null;
  cpus: number | null;
  pids: number;
  /** Rotation of its output by the engine's log driver (json-file or local); null: the engine's own settings. */
  logs: { driver: string; maxBytes: number; files: number } | null;
}

/** Creates (does not start) a container: its port published on `spec.publish` only, its limits, no restart policy (slipway restarts it). */
export async function createContainer(docker: Docker, spec: ContainerSpec, engine: string): Promise<Docker.Container> {
  const port = `${spec.port}/tcp`;
  try {
    return await docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Env: Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
      Labels: spec.labels,
      ExposedPorts: { [port]: {} },
      HostConfig: {
        PortBindings: { [port]: [{ HostIp: spec.publish, HostPort: '' }] },
        ...(spec.memoryBytes === null ? {} : { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes }),
        ...(spec.cpus === null ? {} : { NanoCpus: Math.round(spec.cpus * 1e9) }),
        PidsLimit: spec.pids,
        SecurityOpt: ['no-new-privileges'],
        RestartPolicy: { Name: 'no' },
        Init: true,
        ...(spec.logs === null ? {} : { LogConfig: { Type: spec.logs.driver, Config: { 'max-size': String(spec.logs.maxBytes), 'max-file': String(spec.logs.files + 1) } } }),
      },
    });
  } catch (error) {
    throw engineError(error, `creating the container ${spec.name} from ${spec.image}`, engine);
  }
}

/** The host port the engine published the container's `port` on, or null while it has none. */
function publishedPort(info: Docker.ContainerInspectInfo, port: number): number | null {
  const bindings = info.NetworkSettings.Ports[`${port}/tcp`] ?? [];
  const hostPort = Number(bindings[0]?.HostPort);
  return Number.isInteger(hostPort) && hostPort > 0 ? hostPort : null;
}

/** How a container's run ended, from its state. */
function exitFrom(state: Docker.ContainerInspectInfo['State']): ExitInfo {
  return { code: state.ExitCode, signal: state.OOMKilled ? 'SIGKILL' : null };
}

/**
 * One run of an environment's container, started now or adopted from an earlier slipway:
 * the port it is published on, and its end, learnt by waiting on the engine (an engine that
 * stops answering is asked again, not taken for an exit).
 */
export class ContainerRun implements Supervised {
  readonly exited: Promise<ExitInfo>;
  private readonly watching = new AbortController();
  /** Set when the run ended out of memory, for the reason shown. */
  outOfMemory = false;

  private constructor(
    private readonly container: Docker.Container,
    readonly hostPort: number,
    readonly startedAt: number,
    private readonly engine: string,
  ) {
    this.exited = this.watch();
  }

  get id(): string {
    return this.container.id;
  }

  /** Starts the (created or stopped) container; rejects when the engine cannot. Its hostPort is 0 when it ended before the engine was asked for it. */
  static async start(container: Docker.Container, port: number, engine: string): Promise<ContainerRun> {
    try {
      await container.start();
      const info = await container.inspect();
      const hostPort = publishedPort(info, port);
      // A container that ended already (an app exiting at once) has no published port any more: its run is over.
      if (hostPort === null && info.State.Running) throw new Error(`the engine published no port for ${port}/tcp`);
      return new ContainerRun(container, hostPort ?? 0, Date.parse(info.State.StartedAt) || Date.now(), engine);
    } catch (error) {
      throw engineError(error, `starting the container ${container.id.slice(0, 12)}`, engine);
    }
  }

  /** Takes over a container an earlier slipway started, if it runs (null when it does not). */
  static async adopt(container: Docker.Container, port: number, engine: string): Promise<ContainerRun | null> {
    const info = await container.inspect();
    const hostPort = publishedPort(info, port);
    if (!info.State.Running || hostPort === null) return null;
    return new ContainerRun(container, hostPort, Date.parse(info.State.StartedAt) || Date.now(), engine);
  }

  private async watch(): Promise<ExitInfo> {
    const { signal } = this.watching;
    for (;;) {
      try {
        await this.container.wait({ condition: 'not-running', abortSignal: signal });
        let info = await this.container.inspect();
        // The engine may record the kernel's OOM kill a moment after the exit (137) it caused.
        for (let look = 0; look < 5 && info.State.ExitCode === 137 && !info.State.OOMKilled; look += 1) {
          await sleep(100, undefined, { signal });
          info = await this.container.inspect();
        }
        this.outOfMemory = info.State.OOMKilled;
        return exitFrom(info.State);
      } catch (error) {
        if (signal.aborted) return { code: null, signal: null };
        if ((error as { statusCode?: number }).statusCode === 404) return { code: null, signal: null };
        // The engine did not answer: ask again shortly; the container may well still run.
        await sleep(1000, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Stops it: SIGTERM, SIGKILL after `graceMs`; resolves once it ended. */
  async stop(graceMs: number): Promise<void> {
    await stopContainer(this.container, graceMs, this.engine);
    await Promise.race([this.exited, sleep(5000)]);
    this.watching.abort();
  }

  /** Stops watching it (it keeps running): the engine is no longer waited on for its end. */
  forget(): void {
    this.watching.abort();
  }

  /** Its last lines of output (stdout and stderr), indented, or null when it wrote none. */
  async tail(): Promise<string | null> {
    // The engine's log driver may still be writing a container's last lines just after it exits: read until they stop growing.
    let text = await containerTail(this.container);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await sleep(100);
      const again = await containerTail(this.container);
      if (again === text) break;
      text = again;
    }
    return text;
  }
}

/** The last lines a container wrote, indented, or null when it wrote none (or they cannot be read). */
export async function containerTail(container: Docker.Container): Promise<string | null> {
  try {
    const raw = (await container.logs({ stdout: true, stderr: true, follow: false, tail: 20 })) as unknown as Buffer;
    return lastLines(demultiplex(raw));
  } catch {
    return null;
  }
}

/**
 * A container's output (stdout and stderr) as text: its last `lines` lines, then, following,
 * what it writes until it stops (the engine ends the stream) or `signal` fires.
 */
export async function containerOutput(container: Docker.Container, options: LogOptions, engine: string): Promise<AsyncIterable<string>> {
  const asked = { stdout: true, stderr: true, tail: options.lines, abortSignal: options.signal };
  try {
    if (!options.follow) {
      const text = demultiplex((await container.logs({ ...asked, follow: false })) as unknown as Buffer);
      return (async function* () {
        if (text !== '') yield text;
      })();
    }
    return frames(await container.logs({ ...asked, follow: true }), options.signal);
  } catch (error) {
    throw engineError(error, "reading the container's output", engine);
  }
}

/** The payloads of a multiplexed log stream as text, whole characters; ends quietly when `signal` fires. */
async function* frames(stream: NodeJS.ReadableStream, signal: AbortSignal): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      pending = Buffer.concat([pending, chunk as Buffer]);
      while (pending.length >= 8 && pending.length >= 8 + pending.readUInt32BE(4)) {
        const end = 8 + pending.readUInt32BE(4);
        const text = decoder.write(pending.subarray(8, end));
        pending = pending.subarray(end);
        if (text !== '') yield text;
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}

/**
 * The text of a container's log as the engine sends it without a TTY: frames of an 8-byte
 * header (stream, 0, 0, 0, length as 4 bytes big-endian) and the payload.
 */
export function demultiplex(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const length = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Stops a container: SIGTERM, SIGKILL after `graceMs` (whole seconds, at least one); one stopped or gone already is fine. */
export async function stopContainer(container: Docker.Container, graceMs: number, engine: string): Promise<void> {
  try {
    await container.stop({ t: Math.max(1, Math.ceil(graceMs / 1000)) });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    // 304: it had stopped already; 404: it is gone.
    if (status !== 304 && status !== 404) throw engineError(error, `stopping the container ${container.id.slice(0, 12)}`, engine);
  }
}

/** Removes a container, running or not; one already gone is fine. */
export async function removeContainer(docker: Docker, id: string, engine: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    // 404: gone already; 409: its removal is under way.
    if (status !== 404 && status !== 409) throw engineError(error, `removing the container ${id.slice(0, 12)}`, engine);
  }
}
