import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { recordedGroupAlive, startTime, stopGroup } from './process-group.js';

/** A command running for an environment, as written to `<app>.<env>.run` while it runs. */
interface RunMarker {
  pgid: number;
  /** The leader's start time (/proc stat field 22), to tell our group from a reused pid. */
  started: string | null;
}

/**
 * Commands a killed slipway left running. While a deploy or destroy command runs, its
 * process group is written down; the next run for that environment first stops what is
 * still running there, so two commands never act on one environment at once.
 */
export class Leftovers {
  constructor(private readonly dir: string) {}

  private file(app: string, env: string): string {
    return join(this.dir, `${app}.${env}.run`);
  }

  /**
   * Written synchronously, in the tick the command was spawned: a slipway killed a moment
   * later must still find the group (an async write could still be pending then).
   */
  async started(app: string, env: string, pgid: number): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const marker: RunMarker = { pgid, started: startTime(pgid) };
    writeFileSync(this.file(app, env), JSON.stringify(marker));
  }

  async finished(app: string, env: string): Promise<void> {
    await rm(this.file(app, env), { force: true });
  }

  /** Stops the group a previous slipway left running for this environment; returns its pgid. */
  async stop(app: string, env: string, graceMs: number): Promise<number | null> {
    let marker: RunMarker;
    try {
      marker = JSON.parse(await readFile(this.file(app, env), 'utf8')) as RunMarker;
    } catch {
      return null;
    }
    await this.finished(app, env);
    if (!recordedGroupAlive(marker.pgid, marker.started)) return null;
    await stopGroup(marker.pgid, graceMs);
    return marker.pgid;
  }
}
