import { join } from 'node:path';
import type { DeployRequest } from '../target.js';
import { slipwayVariables } from '../variables.js';
import type { Workspace } from '../workspace.js';
import { appPlan, startCommand } from './app-plan.js';
import { buildOnce, runStep, type StepOptions } from './build.js';
import { processEnv } from './launch.js';
import { freePort } from './ports.js';
import { envPrefix } from '../env-records.js';
import type { ReleaseRecord } from './records.js';
import { isCheckout, type SharedBuilds } from './shared-builds.js';

export interface PrepareOptions {
  /** The environment's public URL (SLIPWAY_URL). */
  url: string;
  /** The manifest's path in the worktree as configured; null: slipway.app.yaml if there is one, else detection. */
  manifest: string | null;
  buildDir: string;
  /** The app's shared builds, which a checkout's build goes to. */
  builds: SharedBuilds;
  graceMs: number;
  /** How long `build` may run (target.buildTimeout). */
  buildTimeoutMs: number;
  signal: AbortSignal;
  workspace: Workspace;
}

export interface Prepared {
  release: ReleaseRecord;
  /** The start command as written, for the log. */
  command: string;
  /** Runs app.json's postdeploy script with the release's environment; null when there is none. */
  postdeploy: (() => Promise<void>) | null;
}

/**
 * Everything before a release starts: reads the manifest (or detects the app), builds the
 * sha (once; a checkout's build is shared with the app's other environments), runs the
 * Procfile's release step, picks a free port and describes how to start the release, as its
 * record will keep it. Build steps get stepEnv (slipway's proxy and npm/pip settings, the
 * app's caches); the release itself does not.
 */
export async function prepareRelease(request: DeployRequest, options: PrepareOptions): Promise<Prepared> {
  const { app, env, sha, workdir } = request;
  const { workspace } = options;
  const home = await workspace.home(app, env);
  const base = workspace.baseEnv(home);
  const plan = await appPlan(workdir, options.manifest, {
    path: base.PATH,
    nodeVersion: process.version,
    vars: request.vars,
    review: request.pr !== null,
    log: request.log,
  });
  // A checkout's build is shared: its copy in the worktree is handed over as it is made.
  const shared = plan.build !== null && (await isCheckout(workdir)) ? options.builds : null;
  await workspace.handOver(shared === null ? workdir : join(workdir, '.git'));
  const variables = slipwayVariables({ ...request, url: options.url });
  const stepEnv = workspace.stepEnv(home, await workspace.caches(app));
  const step: StepOptions = {
    dir: options.buildDir,
    app,
    env,
    sha,
    deploymentId: request.deploymentId,
    workdir,
    processEnv: processEnv(stepEnv, plan.env, request.vars, variables),
    log: request.log,
    signal: options.signal,
    graceMs: options.graceMs,
    ids: workspace.ids,
  };
  // A build is the same for every environment it may be promoted to: it is told what it builds, not where it goes.
  const buildEnv = processEnv(stepEnv, plan.env, request.vars, { SLIPWAY_APP: app, SLIPWAY_SHA: sha });
  const build = plan.build === null ? null : await buildOnce({ ...step, processEnv: buildEnv, build: plan.build, timeoutMs: options.buildTimeoutMs }, shared);
  if (plan.release !== null) {
    request.log(`slipway: release step: ${plan.release.text}\n`);
    await runStep(step, 'release', plan.release, JSON.stringify(['release', sha, workdir, request.deploymentId]));
  }
  const start = await startCommand(workdir, plan);
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
    argv: start.argv,
    env: processEnv(base, plan.env, request.vars, { ...variables, PORT: String(port) }),
    health: plan.health,
    builtBy: plan.builtBy,
    ...(build === null ? {} : { build }),
  };
  const { postdeploy } = plan;
  return {
    release,
    command: start.text,
    postdeploy:
      postdeploy === null
        ? null
        : async () => {
            request.log(`slipway: postdeploy (the first release of this environment is healthy): ${postdeploy.text}\n`);
            await runStep({ ...step, processEnv: release.env }, 'postdeploy', postdeploy, JSON.stringify(['postdeploy', sha, workdir, request.deploymentId]));
          },
  };
}
