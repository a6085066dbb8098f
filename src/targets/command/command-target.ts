import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { SlipwayError } from '../../errors.js';
import type { Workspace } from '../workspace.js';
import type { DeployRequest, DeployResult, DestroyRequest, RunningEnvironment, Target } from '../target.js';
import { slipwayVariables } from '../variables.js';
import type { CommandTargetConfig } from './config.js';
import { CommandRecords } from './records.js';
import { cancelled } from './run.js';
import { Runs } from './runs.js';
import { renderUrl } from '../url.js';

export interface CommandTargetOptions {
  /** The app this target deploys (each app has its own target, made from its own config). */
  app: string;
  /**
   * Where the target keeps one record per environment: `<dataDir>/targets/command/`,
   * shared by the command targets of all apps (records are named `<app>.<env>.json`).
   */
  stateDir: string;
  /** Where the commands run, as whom, with which inherited variables and home. */
  workspace: Workspace;
  /** Output kept per run; more is cut, with a note. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Between SIGTERM and SIGKILL when a run is stopped. Default 5 s. */
  graceMs?: number;
}

/**
 * Runs the configured `deploy` and `destroy` commands (argv arrays, no shell) in the
 * worktree, in their own process group, describing the environment only through
 * `SLIPWAY_*` variables. Remembers each environment it deployed until it is destroyed.
 * One instance serves one app: `list` returns that app's environments only, so each
 * environment is destroyed with the destroy command of the app that deployed it.
 */
export class CommandTarget implements Target {
  readonly type = 'command';
  private readonly app: string;
  private readonly records: CommandRecords;
  private readonly runs: Runs;
  private readonly maxOutputBytes: number;
  private readonly graceMs: number;
  /** Its settings and workspace: from the config, or the reload that changed them last. */
  private config: CommandTargetConfig;
  private workspace: Workspace;

  constructor(config: CommandTargetConfig, options: CommandTargetOptions) {
    checkDeploy(config);
    this.config = config;
    this.app = options.app;
    this.records = new CommandRecords(options.stateDir);
    this.runs = new Runs(options.stateDir);
    this.maxOutputBytes = options.maxOutputBytes ?? 1024 * 1024;
    this.graceMs = options.graceMs ?? 5000;
    this.workspace = options.workspace;
  }

  /** New settings from a config reload: the commands that run next are the new ones. */
  reconfigure(config: CommandTargetConfig, workspace: Workspace): void {
    checkDeploy(config);
    this.config = config;
    this.workspace = workspace;
  }

  async apply(request: DeployRequest): Promise<DeployResult> {
    this.own(request.app);
    if (request.signal.aborted) throw cancelled('deploy');
    const { app, env, sha, ref, pr, branch } = request;
    const url = this.config.url === undefined ? null : renderUrl(this.config.url, { app, env, pr, branch, sha });
    // Recorded before the command runs: a deploy that fails or is interrupted half way may
    // still have created something, and the orphan sweep must be able to find it.
    await this.records.put({ app, env, sha, ref, pr, branch, url, deploymentId: request.deploymentId, updatedAt: Date.now() });
    const variables = slipwayVariables({ app, env, sha, ref, pr, branch, event: request.event, deploymentId: request.deploymentId, url });
    await this.run('deploy', this.config.deploy, request.workdir, request, variables, request.deploymentId);
    return { url };
  }

  async destroy(request: DestroyRequest): Promise<void> {
    this.own(request.app);
    if (request.signal.aborted) throw cancelled('destroy');
    const { app, env } = request;
    const record = await this.records.get(app, env);
    if (record === null) {
      request.log(`slipway: nothing deployed by the command target for ${app}/${env}; nothing to destroy\n`);
      return;
    }
    const argv = this.config.destroy;
    if (argv === undefined || argv.length === 0) {
      request.log(`slipway: no destroy command configured; forgetting ${app}/${env}\n`);
    } else {
      const name = argv[0] ?? '';
      if (request.workdir === null && name.includes('/') && !isAbsolute(name)) {
        throw new SlipwayError(
          'target_command_no_worktree',
          `destroy command ${name} is a path in the worktree, but no worktree was given; check out ${record.sha} to destroy ${app}/${env}`,
        );
      }
      // Without a worktree the command runs in an empty folder of its own.
      const scratch = request.workdir === null ? await mkdtemp(join(tmpdir(), 'slipway-destroy-')) : null;
      try {
        const variables = slipwayVariables({ app, env, sha: record.sha, ref: record.ref, pr: record.pr, branch: record.branch, url: record.url });
        await this.run('destroy', argv, request.workdir ?? scratch ?? '', request, variables, null);
      } finally {
        if (scratch !== null) await rm(scratch, { recursive: true, force: true });
      }
    }
    await this.records.remove(app, env);
    await this.workspace.removeHome(app, env);
  }

  async list(): Promise<RunningEnvironment[]> {
    return (await this.records.all())
      .filter((record) => record.app === this.app)
      .map(({ app, env, sha }) => ({ app, env, sha }));
  }

  private own(app: string): void {
    if (app !== this.app) {
      throw new SlipwayError('target_wrong_app', `the command target of app ${this.app} was asked to act on app ${app}`);
    }
  }

  private async run(
    label: string,
    argv: readonly string[],
    cwd: string,
    request: Pick<DeployRequest, 'app' | 'env' | 'vars' | 'log' | 'signal'>,
    slipway: Record<string, string | undefined>,
    deploymentId: number | null,
  ): Promise<void> {
    const env = this.workspace.baseEnv(await this.workspace.home(request.app, request.env));
    Object.assign(env, request.vars);
    await this.workspace.handOver(cwd);
    for (const [name, value] of Object.entries(slipway)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    await this.runs.run({
      app: request.app,
      env: request.env,
      // The same command for the same commit, asked again after a restart, is waited for.
      purpose: JSON.stringify([label, slipway.SLIPWAY_SHA, argv, cwd]),
      deploymentId,
      options: {
        label,
        argv,
        cwd,
        env,
        timeoutMs: this.config.timeoutMs,
        signal: request.signal,
        log: request.log,
        maxOutputBytes: this.maxOutputBytes,
        graceMs: this.graceMs,
        ids: this.workspace.ids,
      },
    });
  }
}

function checkDeploy(config: CommandTargetConfig): void {
  if (config.deploy.length === 0 || config.deploy[0] === '') {
    throw new SlipwayError('invalid_target', 'command target: deploy must name a command, e.g. [./deploy.sh]');
  }
}
