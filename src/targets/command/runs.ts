import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { recordedGroupAlive, stopGroup } from './process-group.js';
import { runCommand, type RunOptions } from './run.js';

/** A command running for an environment, as written to `<app>.<env>.run` before it starts. */
interface RunMarker {
  pgid: number;
  /** The leader's start time (/proc stat field 22), to tell our group from a reused pid. */
  started: string | null;
  /** What it does (`deploy <sha>`): the same run asked for again is waited for, not started twice. */
  purpose: string;
  /** The deployment that started it, for messages. */
  deploymentId: number | null;
  startedAt: number;
}

/** One run asked for: its purpose, the deployment asking, and how to run it. */
export interface RunRequest {
  app: string;
  env: string;
  purpose: string;
  deploymentId: number | null;
  options: Omit<RunOptions, 'files' | 'record' | 'adopt'>;
  /** Readies what the command works on before it starts anew (not before a run left behind is waited for). */
  fresh?: () => Promise<void>;
}

/**
 * The commands of one environment, one at a time, each recorded before it starts, so what
 * a killed slipway left running is found by the next one: the same run asked for again (a
 * deployment of the same commit started again after a restart) is waited for, or its
 * outcome read if it ended meanwhile, instead of running twice; any other run left behind
 * is stopped first, so two commands never act on one environment at once.
 */
export class Runs {
  constructor(private readonly dir: string) {}

  private files(app: string, env: string) {
    const base = join(this.dir, `${app}.${env}`);
    return { marker: `${base}.run`, output: `${base}.out`, status: `${base}.status` };
  }

  async run(request: RunRequest): Promise<void> {
    const { app, env, options } = request;
    const files = this.files(app, env);
    const marker = await readFile(files.marker, 'utf8').then((text) => JSON.parse(text) as RunMarker, () => null);
    const say = (text: string) => options.log(`slipway: ${text}\n`);
    const what = marker === null ? '' : `the ${options.label} command of deployment ${marker.deploymentId ?? '?'} (process group ${marker.pgid}), started by an earlier slipway,`;
    if (marker !== null && marker.purpose === request.purpose) {
      const alive = recordedGroupAlive(marker.pgid, marker.started);
      if (alive || existsSync(files.status)) {
        say(alive ? `${what} still runs; waiting for it instead of starting it again` : `${what} ended while no slipway watched; its outcome:`);
        try {
          return await runCommand({ ...options, files, adopt: marker });
        } finally {
          await this.finished(files);
        }
      }
      // Killed with its runner (a reboot, the OOM killer): how it ended is unknown.
      say(`${what} ended without a recorded outcome; running it again`);
    } else if (marker !== null) {
      if (recordedGroupAlive(marker.pgid, marker.started)) {
        await stopGroup(marker.pgid, options.graceMs);
        say(`stopped a command an earlier slipway left running (process group ${marker.pgid})`);
      }
      await this.finished(files);
    }
    const record = (pgid: number, started: string | null) => {
      // Synchronous: a slipway killed a moment later must still find the group.
      mkdirSync(this.dir, { recursive: true });
      const written: RunMarker = { pgid, started, purpose: request.purpose, deploymentId: request.deploymentId, startedAt: Date.now() };
      writeFileSync(files.marker, JSON.stringify(written), { mode: 0o600 });
    };
    await request.fresh?.();
    mkdirSync(this.dir, { recursive: true });
    try {
      await runCommand({ ...options, files, record });
    } finally {
      await this.finished(files);
    }
  }

  private async finished(files: ReturnType<Runs['files']>): Promise<void> {
    await Promise.all(Object.values(files).map((file) => rm(file, { force: true })));
  }
}
