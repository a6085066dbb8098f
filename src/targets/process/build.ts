import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Runs } from '../command/runs.js';
import type { ManifestCommand } from './manifest.js';

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
}

/** Output of a build kept in the deployment's log; more is cut, with a note. */
const MAX_BUILD_OUTPUT = 1024 * 1024;

/** What a marker remembers: the build ran in this folder (the same folder, not one made again at that path). */
interface Marker {
  workdir: string;
  ino: number;
}

function markerFile(dir: string, app: string, env: string, sha: string): string {
  const id = /^[0-9a-f]{4,64}$/i.test(sha) ? sha.toLowerCase() : createHash('sha256').update(sha).digest('hex');
  return join(dir, `${app}.${env}.${id}.json`);
}

/**
 * Runs the manifest's `build` in the worktree unless it already succeeded there for this
 * sha (a marker is written after a successful build); its output goes to the deployment log.
 */
export async function buildOnce(options: BuildOptions): Promise<void> {
  const file = markerFile(options.dir, options.app, options.env, options.sha);
  const { ino } = await stat(options.workdir);
  const marker = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Marker, () => null);
  if (marker !== null && marker.workdir === options.workdir && marker.ino === ino) {
    options.log(`slipway: ${options.sha.slice(0, 12)} is already built in this worktree; not building again\n`);
    return;
  }
  options.log(`slipway: building ${options.sha.slice(0, 12)}: ${options.build.text}\n`);
  // A build a killed slipway left running in this worktree is waited for, not run twice.
  await new Runs(options.dir).run({
    app: options.app,
    env: options.env,
    purpose: JSON.stringify(['build', options.sha, options.workdir, ino, options.build.argv]),
    deploymentId: options.deploymentId,
    options: {
      label: 'build',
      argv: options.build.argv,
      cwd: options.workdir,
      env: options.processEnv,
      timeoutMs: 0,
      signal: options.signal,
      log: options.log,
      maxOutputBytes: MAX_BUILD_OUTPUT,
      graceMs: options.graceMs,
      ids: options.ids,
    },
  });
  await mkdir(options.dir, { recursive: true });
  await writeFile(file, JSON.stringify({ workdir: options.workdir, ino } satisfies Marker));
}
