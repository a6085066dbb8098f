import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { envPrefix, EnvRecords } from '../env-records.js';

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
  /** What it was built by (the manifest, or the rule detection used); absent in records written before it was kept. */
  builtBy: z.string().optional(),
  /** A digest of its config variables and the target settings it was built with (absent in records of older versions). */
  fingerprint: z.string().optional(),
  /** The shared build its worktree holds a copy of (kept while it runs); absent: built in place, or nothing to build. */
  build: z.string().optional(),
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
  /** Its release is stopped for idling (kept to start again when a request wakes it). */
  asleep: z.boolean().default(false),
});

export type ReleaseRecord = z.infer<typeof releaseRecord>;
export type EnvRecord = z.infer<typeof envRecord>;
export type Stray = z.infer<typeof stray>;

/** Removes the files of one environment in `dir`, except `keep` and its rotated copies (`<keep>.1`…). */
export async function removeEnvFiles(dir: string, app: string, env: string, keep: string | null = null): Promise<void> {
  const prefix = envPrefix(app, env);
  const kept = (name: string) => keep !== null && (name === keep || name.startsWith(`${keep}.`));
  const names = await readdir(dir).catch(() => []);
  await Promise.all(names.filter((name) => name.startsWith(prefix) && !kept(name)).map((name) => rm(join(dir, name), { force: true })));
}

/** The process target's records: they hold each release's whole environment, so only slipway's user reads them. */
export class ProcessRecords extends EnvRecords<EnvRecord> {
  constructor(dir: string) {
    super(dir, envRecord, 'the process target');
  }
}
