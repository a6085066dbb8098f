import { createHmac, randomBytes } from 'node:crypto';
import { link, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { Logger } from '../../logger.js';
import { cancelled } from '../release-errors.js';
import { readStateFile } from '../state-file.js';
import { copyTree, removeTree, sealTree, type Owner } from './tree-copy.js';

/**
 * How long a shared build that no environment uses is kept for one that may still want it: a
 * merged pull request's head on its way to staging (behind a CI gate), a release of the sha
 * staging just left.
 */
export const KEEP_UNUSED_BUILDS_MS = 3_600_000;

/** What slipway knows of a completed build: who made it, and when it was last used. */
const doneRecord = z.object({
  sha: z.string(),
  env: z.string(),
  deploymentId: z.number().int(),
  builtAt: z.number(),
  usedAt: z.number(),
});
type DoneRecord = z.infer<typeof doneRecord>;

/** `<sha, 12>-<24 hex of the key>`: a path segment. */
const ID = /^[a-z0-9]{1,12}-[0-9a-f]{24}$/;
/** The name prefix of a build folder on its way out (see discard). */
const TRASH = '.removed-';

export interface SharedBuildsOptions {
  app: string;
  /** `<workDir>/builds/<app>`: the builds' files, which the apps' commands can reach (and read). */
  dir: string;
  /** `<stateDir>/shared-builds`: which builds completed, and the key their names are made with; out of the builds' reach. */
  stateDir: string;
  keepMs: number;
  log: Logger;
}

export interface ProvideRequest {
  id: string;
  sha: string;
  env: string;
  deploymentId: number;
  /** The environment's worktree, which gets a copy of the build. */
  workdir: string;
  /** The user builds run as, who gets the copies; null: slipway's own. */
  owner: Owner | null;
  log: (text: string) => void;
  signal: AbortSignal;
  /**
   * Runs the build in `dir`. `fresh` fills the folder from the worktree and must run before a
   * new run starts, not before one that an earlier slipway left running is waited for.
   */
  build: (dir: string, fresh: () => Promise<void>) => Promise<void>;
}

/** Whether `dir` is a git worktree (slipway's checkout of a sha), not an unpacked artifact. */
export async function isCheckout(dir: string): Promise<boolean> {
  const text = await readFile(join(dir, '.git'), 'utf8').catch(() => '');
  return text.startsWith('gitdir: ');
}

/**
 * The builds of one app, shared by its environments: a build is named by the sha and
 * everything that shapes it (see buildInputs), runs once in a folder of its own
 * (`<workDir>/builds/<app>/<id>`), is made read-only when it completes, and only then
 * recorded as done (in slipway's state folder, written atomically): a build that failed or
 * was killed is never used. Each environment's worktree gets a copy (reflinks where the file
 * system has them), which its release may change; paths that a build wrote into its files
 * name the shared folder, which is kept while a release uses it and for `keepMs` after.
 */
export class SharedBuilds {
  private secret: Promise<Buffer> | null = null;
  /** Work on one build (making, copying, removing it), one at a time, by id. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Who holds each build's queue now, for the log of a deployment that waits. */
  private readonly holders = new Map<string, { env: string; deploymentId: number }>();
  /** The build each environment's deployment under way uses (sweep keeps it). */
  private readonly deploying = new Map<string, string>();
  /** The removal of discarded folders under way, and whether another pass was asked for meanwhile. */
  private purging: Promise<void> | null = null;
  private purgeAgain = false;

  constructor(private readonly options: SharedBuildsOptions) {}

  /** Where the runs of shared builds are recorded (see Runs), by app and build id. */
  get runsDir(): string {
    return join(this.options.stateDir, 'runs');
  }

  private tree(id: string): string {
    return join(this.options.dir, id);
  }

  private doneFile(id: string): string {
    return join(this.options.stateDir, 'done', this.options.app, `${id}.json`);
  }

  /** The id of the build of `sha` from `inputs`: a keyed hash, so the name says nothing of the variables. */
  async id(sha: string, inputs: unknown): Promise<string> {
    const mac = createHmac('sha256', await this.key()).update(JSON.stringify([this.options.app, sha, inputs])).digest('hex');
    const short = /^[0-9a-f]{7,}$/i.test(sha) ? sha.slice(0, 12).toLowerCase() : 'build';
    return `${short}-${mac.slice(0, 24)}`;
  }

  /** The key of the ids, made once per slipway state folder (linked into place: two apps starting at once agree on one). */
  private key(): Promise<Buffer> {
    this.secret ??= (async () => {
      const file = join(this.options.stateDir, 'key');
      await mkdir(this.options.stateDir, { recursive: true, mode: 0o700 });
      const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temp, randomBytes(32).toString('hex'), { mode: 0o600 });
      await link(temp, file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      }).finally(() => rm(temp, { force: true }));
      const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
      if (key.length !== 32) throw new Error(`${file} does not hold a key of 64 hex digits; remove it and slipway makes another (builds are then made again)`);
      return key;
    })().catch((error: unknown) => {
      this.secret = null;
      throw error;
    });
    return this.secret;
  }

  /**
   * Gives the worktree a copy of the build `request.id`: the completed one, or else it is made
   * now (a deployment that asks for a build another is making waits for it). The deployment
   * log says which.
   */
  async provide(request: ProvideRequest): Promise<void> {
    const { id, env, deploymentId } = request;
    const sha = request.sha.slice(0, 12);
    this.deploying.set(env, id);
    const holder = this.holders.get(id);
    if (holder !== undefined) request.log(`slipway: waiting for deployment ${holder.deploymentId} of ${holder.env}, which makes or copies the build of ${sha}\n`);
    await this.queue(id, async () => {
      if (request.signal.aborted) throw cancelled();
      this.holders.set(id, { env, deploymentId });
      try {
        let done = await this.read(id);
        if (done !== null) {
          request.log(`slipway: reusing the build of ${sha} that deployment ${done.deploymentId} made for ${done.env}; not building it again\n`);
        } else {
          await this.make(request);
          done = { sha: request.sha, env, deploymentId, builtAt: Date.now(), usedAt: 0 };
        }
        await copyTree(this.tree(id), request.workdir, { owner: request.owner, skip: ['.git'], trusted: true, writable: true });
        await this.write(id, { ...done, usedAt: Date.now() });
      } finally {
        this.holders.delete(id);
      }
    });
  }

  /** The deployment of `env` ended: its build is kept for as long as its release uses it (see sweep). */
  done(env: string): void {
    this.deploying.delete(env);
  }

  private async make(request: ProvideRequest): Promise<void> {
    const tree = this.tree(request.id);
    const { owner } = request;
    const fresh = async () => {
      await this.discard(request.id);
      await mkdir(this.options.dir, { recursive: true, mode: 0o711 });
      // A worktree still slipway's (not yet handed over: a fresh checkout) cannot change under the copy.
      const trusted = owner === null || (await lstat(request.workdir)).uid === process.getuid?.();
      await copyTree(request.workdir, tree, { owner, skip: [], trusted, writable: false });
    };
    try {
      await request.build(tree, fresh);
      await sealTree(tree, owner !== null);
    } catch (error) {
      await this.discard(request.id).catch((failure: Error) => this.options.log.warn({ build: request.id, error: failure.message }, 'cannot remove a failed build; the next sweep tries again'));
      throw error;
    }
  }

  /**
   * Moves the folder of build `id` (when there is one) out of the way at once, under a name no
   * build has (`.removed-…`), and removes it in the background: neither a deployment nor
   * slipway's start waits for a large folder to be deleted. What a stopped slipway did not
   * finish removing, the next sweep does.
   */
  private async discard(id: string): Promise<void> {
    const trash = join(this.options.dir, `${TRASH}${id}-${randomBytes(4).toString('hex')}`);
    await rename(this.tree(id), trash).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    this.purge();
  }

  /** Removes the discarded folders, one pass at a time (another is run after it when asked for meanwhile). */
  private purge(): void {
    if (this.purging !== null) {
      this.purgeAgain = true;
      return;
    }
    this.purging = (async () => {
      do {
        this.purgeAgain = false;
        const names = await readdir(this.options.dir).catch(() => [] as string[]);
        for (const name of names.filter((entry) => entry.startsWith(TRASH))) await removeTree(join(this.options.dir, name));
      } while (this.purgeAgain);
    })()
      .catch((error: Error) => this.options.log.warn({ error: error.message }, 'cannot remove a discarded build; the next sweep tries again'))
      .finally(() => {
        this.purging = null;
      });
  }

  /** The record of a completed build whose folder is there, or null. */
  private async read(id: string): Promise<DoneRecord | null> {
    const parsed = doneRecord.safeParse(await readStateFile(this.doneFile(id)));
    if (!parsed.success) return null;
    return (await stat(this.tree(id)).then((info) => info.isDirectory(), () => false)) ? parsed.data : null;
  }

  private async write(id: string, record: DoneRecord): Promise<void> {
    const file = this.doneFile(id);
    await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, JSON.stringify(record), { mode: 0o600 });
      await rename(temp, file);
    } finally {
      await rm(temp, { force: true });
    }
  }

  /**
   * Removes the builds no release uses (`inUse`, and the deployments under way) whose last use
   * is `keepMs` old, and folders of builds that never completed as old; the builds in use are
   * marked used now, so they are kept for `keepMs` after their last release moves on.
   */
  async sweep(inUse: ReadonlySet<string>, now = Date.now()): Promise<void> {
    const ids = new Set(
      [...(await readdir(join(this.options.stateDir, 'done', this.options.app)).catch(() => [] as string[])).map((name) => name.replace(/\.json$/, '')), ...(await readdir(this.options.dir).catch(() => [] as string[]))].filter((id) => ID.test(id)),
    );
    this.purge();
    // A build being made or copied is in use; a sweep does not wait for it.
    for (const id of [...ids].filter((each) => !this.queues.has(each))) {
      await this.queue(id, async () => {
        const done = await this.read(id);
        if (inUse.has(id) || [...this.deploying.values()].includes(id)) {
          if (done !== null) await this.write(id, { ...done, usedAt: now });
          return;
        }
        const since = done?.usedAt ?? (await stat(this.tree(id)).then((info) => info.mtimeMs, () => 0));
        if (now - since < this.options.keepMs) return;
        await rm(this.doneFile(id), { force: true });
        await this.discard(id);
        await Promise.all(['run', 'out', 'status'].map((suffix) => rm(join(this.runsDir, `${this.options.app}.${id}.${suffix}`), { force: true })));
        this.options.log.info({ build: id }, 'removed a shared build no environment uses');
      });
    }
  }

  /** Runs `task` after the work already queued for build `id`. */
  private queue(id: string, task: () => Promise<void>): Promise<void> {
    const done = (this.queues.get(id) ?? Promise.resolve()).then(task);
    const settled = done.catch(() => {});
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return done;
  }
}
