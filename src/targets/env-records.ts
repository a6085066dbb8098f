import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as z from 'zod';
import { SlipwayError } from '../errors.js';
import { readStateFile } from './state-file.js';

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

/**
 * One JSON file per environment, `<app>.<env>.json` in a target's state folder, readable only
 * by slipway's user (a record may hold an environment's variables). Writes are atomic (write,
 * then rename) and, per file, in the order they were asked for.
 */
export class EnvRecords<T extends { app: string; env: string }> {
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly dir: string,
    private readonly schema: z.ZodType<T>,
    /** Whose records these are, for messages: `the process target`. */
    private readonly owner: string,
  ) {}

  private file(app: string, env: string): string {
    return join(this.dir, `${envPrefix(app, env)}json`);
  }

  async get(app: string, env: string): Promise<T | null> {
    return this.read(this.file(app, env));
  }

  put(record: T): Promise<void> {
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

  async all(): Promise<T[]> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const records: (T | null)[] = await Promise.all(names.filter((name) => FILE.test(name)).map((name) => this.read(join(this.dir, name))));
    return records
      .filter((record): record is T => record !== null)
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

  private async read(file: string): Promise<T | null> {
    const data = await readStateFile(file);
    if (data === undefined) return null;
    const record = this.schema.safeParse(data);
    if (!record.success) {
      throw new SlipwayError(
        'target_state_unreadable',
        `cannot read ${this.owner}'s record ${file}; if that environment no longer runs, delete the file`,
      );
    }
    return record.data;
  }
}
