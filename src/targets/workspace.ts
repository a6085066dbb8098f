import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { cp, lchown, lstat, mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { within } from '../paths.js';
import { SlipwayError } from '../errors.js';
import { envPrefix } from './env-records.js';
import { packageManagerSettings, proxyVariables } from './pass-through.js';
import type { RunAs } from './run-as.js';

/**
 * The only variables the apps' commands (builds, start commands, deploy commands) get from
 * slipway's own environment, which holds its secrets (GITHUB_TOKEN, SLIPWAY_WEBHOOK_SECRET,
 * SLIPWAY_API_TOKEN, …): where programs are, language and time zone. Build steps also get
 * its proxy and npm/pip settings (stepEnv). Anything else an app needs (NODE_ENV, a CA
 * bundle) is given in its config's or manifest's `env:`.
 */
export const INHERITED_VARIABLES = ['PATH', 'LANG', 'LANGUAGE', 'TZ'] as const;
const INHERITED_PATTERN = /^LC_[A-Z]+$/;
/** The cache settings stepEnv sets itself, lowercased. */
const CACHE_SETTINGS = ['npm_config_cache', 'pip_cache_dir'];

export interface WorkspaceOptions {
  /** store.workDir: worktrees, artifacts and the homes of the apps' commands. */
  workDir: string;
  /** store.dataDir, which they must not reach. */
  dataDir: string;
  /** The user the apps' commands run as; null: slipway's own user. */
  runAs: RunAs | null;
}

/**
 * Where and as whom the apps' commands run: each environment gets a home of its own in the
 * work folder (`<workDir>/homes/<app>/<env>`), the files it works on belong to the user it
 * runs as, and its environment starts from INHERITED_VARIABLES only.
 */
export class Workspace {
  readonly workDir: string;
  readonly runAs: RunAs | null;
  private readonly dataDir: string;

  constructor(options: WorkspaceOptions) {
    this.workDir = options.workDir;
    this.dataDir = options.dataDir;
    this.runAs = options.runAs;
  }

  /** The `uid`/`gid` spawn options: empty when commands run as slipway's own user. */
  get ids(): { uid?: number; gid?: number } {
    return this.runAs === null ? {} : { uid: this.runAs.uid, gid: this.runAs.gid };
  }

  /** The environment a command starts from: the inherited variables and its HOME. */
  baseEnv(home: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value === undefined) continue;
      if ((INHERITED_VARIABLES as readonly string[]).includes(name) || INHERITED_PATTERN.test(name)) env[name] = value;
    }
    env.HOME = home;
    return env;
  }

  /**
   * The environment of a build step (a build, a Procfile's `release:`): baseEnv, then the
   * proxy and npm/pip settings of slipway's own environment, then the app's shared caches
   * (see `caches`), which win over a cache folder set in slipway's environment: that one is
   * slipway's user's, which the build may not be able to write.
   */
  stepEnv(home: string, caches: string): Record<string, string> {
    const env = { ...this.baseEnv(home), ...proxyVariables() };
    for (const [name, value] of Object.entries(packageManagerSettings())) {
      if (!CACHE_SETTINGS.includes(name.toLowerCase())) env[name] = value;
    }
    return { ...env, npm_config_cache: join(caches, 'npm'), PIP_CACHE_DIR: join(caches, 'pip'), XDG_CACHE_HOME: caches };
  }

  /**
   * The app's dependency caches (`<workDir>/caches/<app>`: npm's, pip's, and what keeps its
   * cache in XDG_CACHE_HOME, as yarn 1 and pnpm do), shared by the builds of all its
   * environments; made, and given to the user builds run as, when missing.
   */
  async caches(app: string): Promise<string> {
    envPrefix(app, 'caches'); // the app's name is a DNS label: it becomes a path segment
    const dir = join(this.workDir, 'caches', app);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await this.handOver(dir, false);
    return dir;
  }

  private homeDir(app: string, env: string): string {
    envPrefix(app, env); // both are DNS labels: they become path segments
    return join(this.workDir, 'homes', app, env);
  }

  /** The environment's home, made (and given to the user commands run as) when missing. */
  async home(app: string, env: string): Promise<string> {
    const dir = this.homeDir(app, env);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await this.handOver(dir);
    return dir;
  }

  /** Removes the environment's home and the copies `relocate` made, and their app folders once empty. */
  async removeHome(app: string, env: string): Promise<void> {
    const dir = this.homeDir(app, env);
    for (const folder of [dir, join(this.workDir, 'moved', app, env)]) {
      await rm(folder, { recursive: true, force: true });
      await rmdir(join(folder, '..')).catch(() => undefined);
    }
  }

  /**
   * A folder an older slipway ran an app from inside its data folder (worktrees lived in
   * `<dataDir>/worktrees` before store.workDir): copied to `<workDir>/moved/<app>/<env>/<name>`
   * and handed over, so it can start again without reaching the data folder. Null when `dir`
   * is not in the data folder.
   */
  async relocate(app: string, env: string, dir: string): Promise<string | null> {
    if (!within(dir, this.dataDir)) return null;
    envPrefix(app, env);
    const copy = join(this.workDir, 'moved', app, env, basename(dir));
    await rm(copy, { recursive: true, force: true });
    await cp(dir, copy, { recursive: true, verbatimSymlinks: true });
    await this.handOver(copy);
    return copy;
  }

  /**
   * Gives `dir` and everything in it (only `dir` itself when not `deep`) to the user commands
   * run as, so a build can write there (git checked the files out as slipway's user).
   * Symlinks are changed, not followed.
   */
  async handOver(dir: string, deep = true): Promise<void> {
    const runAs = this.runAs;
    if (runAs === null) return;
    const walk = async (path: string): Promise<void> => {
      const info = await lstat(path);
      if (info.uid !== runAs.uid || info.gid !== runAs.gid) await lchown(path, runAs.uid, runAs.gid);
      if (!info.isDirectory() || !deep) return;
      for (const name of await readdir(path)) await walk(join(path, name));
    };
    await walk(dir);
  }

  /**
   * At start: the work folder exists, belongs to slipway's user (a folder someone else made
   * in a shared temp folder is refused) and can be passed through but not listed by others;
   * the data folder is readable by slipway's user only.
   */
  prepare(): void {
    const { dataDir } = this;
    mkdirSync(this.workDir, { recursive: true, mode: 0o711 });
    const info = lstatSync(this.workDir);
    if (!info.isDirectory() || info.uid !== process.getuid?.()) {
      throw new SlipwayError(
        'work_dir_not_ours',
        `the work folder ${this.workDir} is not a folder of slipway's user; remove it, or set store.workDir to a folder slipway may create`,
      );
    }
    chmodSync(this.workDir, 0o711);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
  }
}
