import { join } from 'node:path';
import { diskUsage, foldersAt, type DiskUsage } from './disk-usage.js';
import type { JobRun } from './engine/job-runs.js';
import { mirrorsIn } from './source/git-source.js';
import type { Replica } from './store/replicas.js';
import type { StoreSizes } from './store/store.js';
import { KEPT_FOLDER } from './targets/kept-logs.js';
import { releaseLogDirs } from './targets/registry.js';

/** How long a measure of the folders is reused: walking a big work folder takes a while, and sizes change slowly. */
export const DISK_CACHE_MS = 30_000;

/** What `GET /api/status` answers: the sizes that grow with use, and the background jobs' last runs. */
export interface Status {
  store: StoreSizes;
  /** The bare git mirrors, one per remote. */
  mirrors: { count: number; bytes: number };
  /** The checkouts deployments run from (`<workDir>/worktrees/<app>/<env>/<sha>`). */
  worktrees: { count: number; bytes: number };
  logs: {
    /** The running releases' output (process and docker targets). */
    releaseBytes: number;
    /** Destroyed environments' last logs, kept for a while. */
    keptBytes: number;
    /** Deployment logs, which the store keeps. */
    deploymentBytes: number;
  };
  /** When the folders were measured (they are measured at most every DISK_CACHE_MS). */
  diskMeasuredAt: number;
  jobs: JobRun[];
  /** The slipway processes sharing the store, live ones (with SQLite: this one). */
  replicas: Replica[];
}

type Disk = Pick<Status, 'mirrors' | 'worktrees' | 'diskMeasuredAt'> & { releaseBytes: number; keptBytes: number };

export interface StatusSources {
  dataDir: string;
  workDir: string;
  store: { sizes(): Promise<StoreSizes> };
  jobs: () => JobRun[];
  replicas: () => Promise<Replica[]>;
  now?: () => number;
}

/**
 * Measures what grows: the store through its own query, the folders by walking them
 * asynchronously, at most once per DISK_CACHE_MS however often status is asked for, and one
 * walk at a time.
 */
export class StatusReport {
  private disk: Disk | null = null;
  private measuring: Promise<Disk> | null = null;
  private readonly now: () => number;

  constructor(private readonly sources: StatusSources) {
    this.now = sources.now ?? Date.now;
  }

  async read(): Promise<Status> {
    const [store, disk, replicas] = await Promise.all([this.sources.store.sizes(), this.measured(), this.sources.replicas()]);
    const { releaseBytes, keptBytes, ...folders } = disk;
    return { store, ...folders, logs: { releaseBytes, keptBytes, deploymentBytes: store.deploymentLogBytes }, jobs: this.sources.jobs(), replicas };
  }

  private measured(): Promise<Disk> {
    if (this.disk !== null && this.now() - this.disk.diskMeasuredAt < DISK_CACHE_MS) return Promise.resolve(this.disk);
    this.measuring ??= this.measure().then(
      (disk) => {
        this.disk = disk;
        return disk;
      },
    ).finally(() => {
      this.measuring = null;
    });
    return this.measuring;
  }

  private async measure(): Promise<Disk> {
    const { dataDir, workDir } = this.sources;
    const mirrors = mirrorsIn(join(dataDir, 'git'));
    const worktrees = join(workDir, 'worktrees');
    const logDirs = releaseLogDirs(dataDir);
    const keptDirs = logDirs.map((dir) => join(dir, KEPT_FOLDER));
    const sum = (usages: DiskUsage[]) => usages.reduce((total, usage) => total + usage.bytes, 0);
    const [mirrorBytes, mirrorNames, worktreeBytes, checkouts, release, kept] = await Promise.all([
      diskUsage(mirrors),
      foldersAt(mirrors, 1),
      diskUsage(worktrees),
      foldersAt(worktrees, 3),
      Promise.all(logDirs.map((dir) => diskUsage(dir, keptDirs))),
      Promise.all(keptDirs.map((dir) => diskUsage(dir))),
    ]);
    return {
      mirrors: { count: mirrorNames.filter((name) => name.endsWith('.git')).length, bytes: mirrorBytes.bytes },
      worktrees: { count: checkouts.length, bytes: worktreeBytes.bytes },
      releaseBytes: sum(release),
      keptBytes: sum(kept),
      diskMeasuredAt: this.now(),
    };
  }
}
