import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../../errors.js';
import { readStateFile } from '../state-file.js';

/** What the command target remembers about one environment it deployed. */
export interface CommandRecord {
  app: string;
  env: string;
  sha: string;
  ref: string;
  pr: number | null;
  branch: string | null;
  url: string | null;
  deploymentId: number;
  updatedAt: number;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const FILE = /^([a-z0-9-]+)\.([a-z0-9-]+)\.json$/;

/**
 * One small JSON file per environment, `<app>.<env>.json`, in the state folder. Names are
 * DNS labels (checked here: they become file names), so the dot cannot be ambiguous.
 * Writes are atomic (write, then rename).
 */
export class CommandRecords {
  constructor(private readonly dir: string) {}

  private file(app: string, env: string): string {
    for (const [what, name] of [['app', app], ['environment', env]] as const) {
      if (!LABEL.test(name)) {
        throw new SlipwayError(
          'invalid_environment_name',
          `${what} name ${JSON.stringify(name)} is not a slugged DNS label ([a-z0-9-], at most 63 characters)`,
        );
      }
    }
    return join(this.dir, `${app}.${env}.json`);
  }

  async get(app: string, env: string): Promise<CommandRecord | null> {
    return this.read(this.file(app, env));
  }

  async put(record: CommandRecord): Promise<void> {
    const file = this.file(record.app, record.env);
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `.${record.app}.${record.env}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async remove(app: string, env: string): Promise<void> {
    await rm(this.file(app, env), { force: true });
  }

  async all(): Promise<CommandRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records = await Promise.all(names.filter((name) => FILE.test(name)).map((name) => this.read(join(this.dir, name))));
    return records
      .filter((record): record is CommandRecord => record !== null)
      .sort((a, b) => a.app.localeCompare(b.app) || a.env.localeCompare(b.env));
  }

  private async read(file: string): Promise<CommandRecord | null> {
    const record = await readStateFile(file);
    if (record === undefined) return null;
    if (!isRecord(record)) {
      throw new SlipwayError(
        'target_state_unreadable',
        `cannot read the command target's record ${file}; if that environment no longer exists, delete the file`,
      );
    }
    return record;
  }
}

function isRecord(value: unknown): value is CommandRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.app === 'string' && typeof record.env === 'string' && typeof record.sha === 'string';
}
