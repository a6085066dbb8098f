import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { envPrefix } from './env-records.js';

/** How long the last release log of a destroyed environment stays readable. */
export const KEEP_DESTROYED_LOGS_MS = 24 * 3_600_000;

/** The folder of a log folder that holds destroyed environments' logs. */
export const KEPT_FOLDER = 'destroyed';

/** `<logDir>/destroyed/<app>.<env>.<destroyed at, ms>.log` (and its rotated copy `.log.1`). */
const KEPT = /^([a-z0-9-]+)\.([a-z0-9-]+)\.(\d+)\.log(\.1)?$/;

/**
 * The logs of destroyed environments: destroy moves the last release's log (and its newest
 * rotated copy) into `<logDir>/destroyed/` (or writes it there), where `slipway logs` still
 * reads it; `sweep` removes those destroyed more than `keepMs` ago (the process target runs
 * it at start and with its log rotation checks).
 */
export class KeptLogs {
  private readonly dir: string;

  constructor(
    logDir: string,
    private readonly keepMs: number,
  ) {
    this.dir = join(logDir, KEPT_FOLDER);
  }

  /** Keeps `file` (a release log) and `<file>.1` as the environment's last log; a file already gone is fine. */
  async keep(app: string, env: string, file: string, now = Date.now()): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const kept = join(this.dir, `${envPrefix(app, env)}${now}.log`);
    await Promise.all([rename(file, kept), rename(`${file}.1`, `${kept}.1`)].map((moved) => moved.catch(() => undefined)));
  }

  /** Keeps `text` (a container's last output) as the environment's last log. */
  async write(app: string, env: string, text: string, now = Date.now()): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(join(this.dir, `${envPrefix(app, env)}${now}.log`), text, { mode: 0o600 });
  }

  /** The newest kept log of the environment still within `keepMs`, or null. */
  async newest(app: string, env: string, now = Date.now()): Promise<string | null> {
    const found = (await this.list())
      .filter((entry) => entry.app === app && entry.env === env && !entry.rotated && now - entry.at < this.keepMs)
      .sort((a, b) => b.at - a.at)[0];
    return found === undefined ? null : join(this.dir, found.name);
  }

  /** Removes the app's kept logs destroyed more than `keepMs` ago. */
  async sweep(app: string, now = Date.now()): Promise<void> {
    const expired = (await this.list()).filter((entry) => entry.app === app && now - entry.at >= this.keepMs);
    await Promise.all(expired.map((entry) => rm(join(this.dir, entry.name), { force: true })));
  }

  private async list() {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.flatMap((name) => {
      const match = KEPT.exec(name);
      return match === null ? [] : [{ name, app: match[1], env: match[2], at: Number(match[3]), rotated: match[4] !== undefined }];
    });
  }
}
