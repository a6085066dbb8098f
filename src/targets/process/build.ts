import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../../errors.js';
import { Runs } from '../command/runs.js';
import { OutputTail } from '../output-tail.js';
import { PROXY_VARIABLES } from '../pass-through.js';
import { TARGET_CANCELLED } from '../target.js';
import type { ManifestCommand } from './manifest.js';
import type { SharedBuilds } from './shared-builds.js';

export interface BuildOptions {
  /** Where markers are kept: `<stateDir>/builds`. */
  dir: string;
  app: string;
  env: string;
  sha: string;
  deploymentId: number;
  workdir: string;
  build: ManifestCommand;
  processEnv: Record<string, string>;
  log: (text: string) => void;
  signal: AbortSignal;
  graceMs: number;
  ids: { uid?: number; gid?: number };
  /** The command, and every process it started (its process group), is stopped after this long and fails; absent: never. */
  timeoutMs?: number;
}

/** Output of a build kept in the deployment's log; more is cut, with a note. */
const MAX_BUILD_OUTPUT = 1024 * 1024;

/** What a marker remembers: the build ran in (or was copied to) this folder (the same folder, not one made again at that path). */
interface Marker {
  workdir: string;
  ino: number;
  /** The shared build it holds a copy of; absent: built in place. */
  build?: string | null;
}

function markerFile(dir: string, app: string, env: string, sha: string): string {
  const id = /^[0-9a-f]{4,64}$/i.test(sha) ? sha.toLowerCase() : createHash('sha256').update(sha).digest('hex');
  return join(dir, `${app}.${env}.${id}.json`);
}

/**
 * Removes the app's markers whose worktree is gone (removed after a newer deployment, or
 * with its environment) or was made again since (another inode): a marker goes with the
 * worktree it describes. Returns how many went.
 */
export async function sweepMarkers(dir: string, app: string): Promise<number> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.startsWith(`${app}.`) && name.endsWith('.json'));
  let removed = 0;
  for (const name of names) {
    const file = join(dir, name);
    const marker = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Marker, () => null);
    if (marker === null || typeof marker.workdir !== 'string') continue;
    const ino = await stat(marker.workdir).then((info) => info.ino, () => null);
    if (ino === marker.ino) continue;
    await rm(file, { force: true });
    removed += 1;
  }
  return removed;
}

/** Variables that do not change what a build makes: where it runs (HOME is the environment's), how it reaches the network, its caches. */
const UNKEYED: readonly string[] = ['HOME', ...PROXY_VARIABLES, 'npm_config_cache', 'PIP_CACHE_DIR', 'XDG_CACHE_HOME'];

/** `env` with every mention of the folder `from` naming `to` instead (a virtual environment's PATH, in the folder the build runs in). */
function relocate(env: Record<string, string>, from: string, to: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value.split(from).join(to)]));
}

/**
 * What names a shared build besides its app and sha: the command, the Node.js version slipway
 * runs, and every variable the build gets (the config's and manifest's `env:`, npm's and pip's
 * settings, PATH…) except UNKEYED; a path into the worktree counts as the same path in any.
 */
function buildInputs(options: BuildOptions): unknown {
  const variables = Object.entries(relocate(options.processEnv, options.workdir, '.'))
    .filter(([name]) => !UNKEYED.includes(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { argv: options.build.argv, node: process.version, variables };
}

/**
 * Gives the worktree the manifest's `build` of its sha, once: nothing when it already holds
 * it (a marker is written after a successful build); else, with `shared` (a checkout), a
 * copy of the app's shared build of the same inputs, made first when there is none (see
 * SharedBuilds); else (an artifact) the build runs in the worktree. The build's output goes
 * to the deployment log, and a build that fails says its last lines of output in its error.
 * Returns the shared build's id, or null.
 */
export async function buildOnce(options: BuildOptions, shared: SharedBuilds | null): Promise<string | null> {
  const file = markerFile(options.dir, options.app, options.env, options.sha);
  const { ino } = await stat(options.workdir);
  const id = shared === null ? null : await shared.id(options.sha, buildInputs(options));
  const marker = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Marker, () => null);
  if (marker !== null && marker.workdir === options.workdir && marker.ino === ino && (marker.build ?? null) === id) {
    options.log(`slipway: ${options.sha.slice(0, 12)} is already built in this worktree; not building again\n`);
    return id;
  }
  const building = () => options.log(`slipway: building ${options.sha.slice(0, 12)}: ${options.build.text}\n`);
  if (shared === null || id === null) {
    building();
    await runStep(options, 'build', options.build, JSON.stringify(['build', options.sha, options.workdir, ino, options.build.argv]));
  } else {
    const { sha, env, deploymentId, workdir, log, signal, ids } = options;
    await shared.provide({
      id,
      sha,
      env,
      deploymentId,
      workdir,
      owner: ids.uid === undefined ? null : { uid: ids.uid, gid: ids.gid ?? ids.uid },
      log,
      signal,
      build: (dir, fresh) => {
        building();
        const step = { ...options, dir: shared.runsDir, env: id, workdir: dir, processEnv: relocate(options.processEnv, options.workdir, dir) };
        return runStep(step, 'build', options.build, JSON.stringify(['build', id]), fresh);
      },
    });
  }
  await mkdir(options.dir, { recursive: true });
  await writeFile(file, JSON.stringify({ workdir: options.workdir, ino, build: id } satisfies Marker));
  return id;
}

export type StepOptions = Omit<BuildOptions, 'build'>;

/**
 * Runs one of the app's commands in the worktree (`build`, a Procfile's `release`, app.json's
 * `postdeploy`), its output in the deployment log; it fails as `<label> command exited with
 * code N`, followed by its last lines of output. `purpose` tells a run a killed slipway left
 * behind to wait for from one to stop; `fresh` readies its folder before it runs anew.
 */
export async function runStep(options: StepOptions, label: string, command: ManifestCommand, purpose: string, fresh?: () => Promise<void>): Promise<void> {
  // The command's own lines, not slipway's notes about it.
  const tail = new OutputTail();
  const log = (text: string) => {
    options.log(text);
    tail.add(text.split(/(?<=\n)/).filter((line) => !line.startsWith('slipway: ')).join(''));
  };
  // A command a killed slipway left running in this worktree is waited for, not run twice.
  await new Runs(options.dir).run({
    app: options.app,
    env: options.env,
    purpose,
    deploymentId: options.deploymentId,
    ...(fresh === undefined ? {} : { fresh }),
    options: {
      label,
      argv: command.argv,
      cwd: options.workdir,
      env: options.processEnv,
      timeoutMs: options.timeoutMs ?? 0,
      signal: options.signal,
      log,
      maxOutputBytes: MAX_BUILD_OUTPUT,
      graceMs: options.graceMs,
      ids: options.ids,
    },
  }).catch((error: unknown) => {
    if (!(error instanceof SlipwayError) || error.code === TARGET_CANCELLED) throw error;
    const hint = error.code === 'target_command_timeout' ? `; it and every process it started were stopped (raise target.buildTimeout if it needs longer)` : '';
    throw new SlipwayError(error.code, `${error.message}${hint}${tail.describe()}`, { status: error.status, cause: error });
  });
}
