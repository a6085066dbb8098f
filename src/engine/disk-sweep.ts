import { randomUUID } from 'node:crypto';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Environment } from '../domain/environments.js';
import type { Logger } from '../logger.js';
import type { EnvironmentStore, LeaseStore } from '../store/store.js';
import { DEFAULT_LEASE_MS, environmentLease, withLease } from './leases.js';
import type { AppRuntime, MirrorNeeds, SourcePort } from './ports.js';

/** Folder names the engine makes from app and environment names (DNS labels); anything else there is not ours. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface DiskSweepOptions {
  store: EnvironmentStore & LeaseStore;
  apps: ReadonlyMap<string, AppRuntime>;
  source: SourcePort;
  /** `<workDir>/worktrees`: `<app>/<env>/<sha>` */
  worktreeRoot: string;
  /** `<workDir>/artifacts`: `<app>/<env>/<run id>` */
  artifactRoot: string;
  log: Logger;
  /** slipway is stopping: the sweep stops between environments and mirrors. */
  stop: AbortSignal;
  /** A folder's removal holds its environment's lease this long (`engine.lease`), renewed while it runs. */
  leaseMs?: number;
}

const listDir = (dir: string): Promise<string[]> => readdir(dir).catch(() => [] as string[]);
const live = (env: Environment) => env.present || env.state !== 'destroyed';

/**
 * What grows on disk outside the store, kept to what live environments need. First the
 * worktrees and unpacked artifacts of environments that are gone (a destroy whose cleanup
 * failed, a crash between the two, an app removed from the config) are removed; then each
 * mirror keeps only the refs and commits its app's live environments follow, run or are
 * pinned to, and is repacked with the rest pruned (GitSource.tidy). One pass at a time.
 */
export class DiskSweep {
  private readonly holder = `disk-sweep-${randomUUID()}`;
  private running: Promise<void> | null = null;

  constructor(private readonly options: DiskSweepOptions) {}

  run(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const removed = await this.sweepFolders();
    if (removed.length > 0) this.options.log.info({ environments: removed }, 'removed the worktrees and artifacts of environments that are gone');
    if (this.options.stop.aborted) return;
    await this.options.source.tidy(this.needs(await this.options.store.listEnvironments()), { signal: this.options.stop });
  }

  /** Per configured app: the refs its live environments follow and the commits they run or are pinned to. */
  private needs(environments: readonly Environment[]): MirrorNeeds[] {
    return [...this.options.apps.values()].map((app) => {
      const mine = environments.filter((env) => env.app === app.name && live(env));
      return {
        remoteUrl: app.remoteUrl,
        refs: mine.flatMap((env) => (env.desiredRef === null ? [] : [env.desiredRef])),
        shas: mine.flatMap((env) => [env.pinnedSha, env.observedSha].filter((sha): sha is string => sha !== null)),
      };
    });
  }

  /**
   * Removes the folders of environments neither the store nor a target knows. The folders are
   * listed before the store is read, and each environment's are removed holding its lease
   * after looking it up again: one created or deployed meanwhile is left alone. Returns
   * `app/env` of each environment whose folders went.
   */
  private async sweepFolders(): Promise<string[]> {
    const { worktreeRoot, artifactRoot, store, apps, log, stop } = this.options;
    const found = new Map<string, { app: string; env: string }>();
    for (const root of [worktreeRoot, artifactRoot]) {
      for (const app of (await listDir(root)).filter((name) => LABEL.test(name))) {
        for (const env of (await listDir(join(root, app))).filter((name) => LABEL.test(name))) found.set(`${app}/${env}`, { app, env });
      }
    }
    if (found.size === 0) return [];
    const known = new Set((await store.listEnvironments()).filter(live).map((env) => `${env.app}/${env.name}`));
    for (const target of new Set([...apps.values()].map((app) => app.target))) {
      for (const running of await target.list()) known.add(`${running.app}/${running.env}`);
    }
    const removed: string[] = [];
    for (const [key, { app, env }] of found) {
      if (stop.aborted) break;
      if (known.has(key)) continue;
      const outcome = await withLease(store, environmentLease(app, env), this.holder, this.options.leaseMs ?? DEFAULT_LEASE_MS, async () => {
        const now = await store.getEnvironment(app, env);
        if (now !== null && live(now)) return false;
        await this.removeFolders(app, env);
        return true;
      }).catch((error: unknown) => {
        log.warn({ app, env, reason: (error as Error).message }, 'cannot remove the folders of an environment that is gone; the next sweep tries again');
        return null;
      });
      if (outcome?.value === true) removed.push(key);
    }
    return removed;
  }

  /** Its worktrees through the source (their mirror forgets them too), then its artifacts, then the folders left empty. */
  private async removeFolders(app: string, env: string): Promise<void> {
    const { worktreeRoot, artifactRoot, source } = this.options;
    const worktrees = join(worktreeRoot, app, env);
    for (const name of await listDir(worktrees)) await source.remove(join(worktrees, name));
    await rm(join(artifactRoot, app, env), { recursive: true, force: true });
    for (const folder of [worktrees, join(worktreeRoot, app), join(artifactRoot, app)]) await rmdir(folder).catch(() => undefined);
  }
}
