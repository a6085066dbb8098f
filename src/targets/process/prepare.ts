import type { DeployRequest } from '../target.js';
import type { Workspace } from '../workspace.js';
import { buildOnce } from './build.js';
import { processEnv } from './launch.js';
import { readManifest } from './manifest.js';
import { freePort } from './ports.js';
import { envPrefix, type ReleaseRecord } from './records.js';

export interface PrepareOptions {
  /** The environment's public URL (SLIPWAY_URL). */
  url: string;
  /** The manifest's path in the worktree. */
  manifest: string;
  buildDir: string;
  graceMs: number;
  signal: AbortSignal;
  workspace: Workspace;
}

/**
 * Everything before a release starts: reads the manifest, builds the sha (once), picks a
 * free port and describes how to start it, as its record will keep it.
 */
export async function prepareRelease(request: DeployRequest, options: PrepareOptions): Promise<{ release: ReleaseRecord; command: string }> {
  const { app, env, sha, workdir } = request;
  const manifest = await readManifest(workdir, options.manifest);
  const { workspace } = options;
  const base = workspace.baseEnv(await workspace.home(app, env));
  await workspace.handOver(workdir);
  const variables = {
    SLIPWAY_APP: app,
    SLIPWAY_ENV: env,
    SLIPWAY_SHA: sha,
    SLIPWAY_REF: request.ref,
    SLIPWAY_PR: request.pr === null ? undefined : String(request.pr),
    SLIPWAY_BRANCH: request.branch ?? undefined,
    SLIPWAY_DEPLOYMENT_ID: String(request.deploymentId),
    SLIPWAY_URL: options.url,
  };
  if (manifest.build !== null) {
    await buildOnce({
      dir: options.buildDir,
      app,
      env,
      sha,
      deploymentId: request.deploymentId,
      workdir,
      build: manifest.build,
      processEnv: processEnv(base, manifest.env, request.vars, variables),
      log: request.log,
      signal: options.signal,
      graceMs: options.graceMs,
      ids: workspace.ids,
    });
  }
  const port = await freePort();
  const startedAt = Date.now();
  const release: ReleaseRecord = {
    sha,
    ref: request.ref,
    pr: request.pr,
    branch: request.branch,
    event: request.event,
    deploymentId: request.deploymentId,
    workdir,
    port,
    pid: 0,
    pgid: 0,
    started: null,
    startedAt,
    logFile: `${envPrefix(app, env)}${startedAt}.log`,
    argv: manifest.start.argv,
    env: processEnv(base, manifest.env, request.vars, { ...variables, PORT: String(port) }),
    health: manifest.health,
  };
  return { release, command: manifest.start.text };
}
