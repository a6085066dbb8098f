import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { SlipwayError } from '../../errors.js';
import { readStateFile } from '../state-file.js';

const releaseRecord = z.object({
  sha: z.string(),
  ref: z.string(),
  pr: z.number().int().nullable(),
  branch: z.string().nullable(),
  event: z.string(),
  deploymentId: z.number().int(),
  workdir: z.string(),
  port: z.number().int().min(1).max(65535),
  pid: z.number().int(),
  pgid: z.number().int(),
  /** The leader's start time (/proc stat field 22), to tell our process from a reused pid. */
  started: z.string().nullable(),
  startedAt: z.number(),
  /** Its output, a file name in `<stateDir>/logs/`. */
  logFile: z.string().regex(/^[a-z0-9.-]+\.log$/),
  /** How to start it again: argv, its whole environment (may hold secrets: the file is private), health. */
  argv: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()),
  health: z.object({ path: z.string().nullable(), timeoutMs: z.number().int().positive() }),
});

/** A process group to stop, and its leader's start time. */
const stray = z.object({ pgid: z.number().int(), started: z.string().nullable() });

const envRecord = z.object({
  app: z.string(),
  env: z.string(),
  url: z.string(),
  /** Restarts since it was last deployed. */
  restarts: z.number().int().min(0),
  /** The release the route points to. */
  current: releaseRecord.nullable(),
  /**
   * Other processes of the environment: a release being started, or one being stopped
   * after a switch. `recover` stops those an earlier slipway left.
   */
  strays: z.array(stray),
});

export type ReleaseRecord = z.infer<typeof releaseRecord>;
export type EnvRecord = z.infer<typeof envRecord>;
export type Stray = z.infer<typeof stray>;

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const FILE = /^[a-z0-9-]+\.[a-z0-9-]+\.json$/;

/** `<app>.<env>.` — the prefix of every file of one environment (names are DNS labels, so unambiguous). */
export function envPrefix(app: string, env: string): string {
  for (const [what, name] of [['app', app], ['environment', env]] as const) {
    if (!LABEL.test(name)) {
      throw new SlipwayError(
        'invalid_environment_name',
        `${what} name ${JSON.stringify(name)} is not a slugged DNS label ([a-z0-9-], at most 63 characters)`,
      );
    }
  }
  return `${app}.${env}.`;
}

/** Removes the files of one environment in `dir`, except `keep` and its rotated copies (`<keep>.1`…). */
export async function removeEnvFiles(dir: string, app: string, env: string, keep: string | null = null): Promise<void> {
  const prefix = envPrefix(app, env);
  const kept = (name: string) => keep !== null && (name === keep || name.startsWith(`${keep}.`));
  const names = await readdir(dir).catch(() => []);
  await Promise.all(names.filter((name) => name.startsWith(prefix) && !kept(name)).map((name) => rm(join(dir, name), { force: true })));
}

/**
 * One JSON file per environment, `<app>.<env>.json` in the state folder, readable only by
 * slipway's user (it holds the environment of the process). Writes are atomic (write,
 * then rename) and, per file, in the order they were asked for.
 */
export class ProcessRecords {
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {}

  private file(app: string, env: string): string {
    return join(this.dir, `${envPrefix(app, env)}json`);
  }

  async get(app: string, env: string): Promise<EnvRecord | null> {
    return this.read(this.file(app, env));
  }

  put(record: EnvRecord): Promise<void> {
    const text = `${JSON.stringify(record, null, 2)}\n`;
    return this.queue(record.app, record.env, async (file) => {
      await mkdir(this.dir, { recursive: true });
      const temp = join(this.dir, `.${record.app}.${record.env}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await writeFile(temp, text, { mode: 0o600 });
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    });
  }

  remove(app: string, env: string): Promise<void> {
    return this.queue(app, env, (file) => rm(file, { force: true }));
  }

  async all(): Promise<EnvRecord[]> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const records = await Promise.all(names.filter((name) => FILE.test(name)).map((name) => this.read(join(this.dir, name))));
    return records
      .filter((record): record is EnvRecord => record !== null)
      .sort((a, b) => a.app.localeCompare(b.app) || a.env.localeCompare(b.env));
  }

  private queue(app: string, env: string, write: (file: string) => Promise<void>): Promise<void> {
    const file = this.file(app, env);
    const done = (this.writes.get(file) ?? Promise.resolve()).then(() => write(file));
    const settled = done.catch(() => {});
    this.writes.set(file, settled);
    void settled.then(() => {
      if (this.writes.get(file) === settled) this.writes.delete(file);
    });
    return done;
  }

  private async read(file: string): Promise<EnvRecord | null> {
    const data = await readStateFile(file);
    if (data === undefined) return null;
    const record = envRecord.safeParse(data);
    if (!record.success) {
      throw new SlipwayError(
        'target_state_unreadable',
        `cannot read the process target's record ${file}; if that environment no longer runs, delete the file`,
      );
    }
    return record.data;
  }
}
