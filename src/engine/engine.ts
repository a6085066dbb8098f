import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../logger.js';
import { ApprovalDesk } from '../github/approvals.js';
import { clientsFromConfig, type GitHubClients } from '../github/client.js';
import { Reporter } from '../github/reporter.js';
import { approvesForks } from '../policy/approvals.js';
import { appsFor } from '../policy/policy.js';
import { ArtifactSource } from '../source/artifact-source.js';
import { GitSource } from '../source/git-source.js';
import type { Store } from '../store/store.js';
import { createTarget, type TargetContext } from '../targets/registry.js';
import type { RuntimeReport } from '../targets/target.js';
import type { RuntimeStatus } from '../store/environments.js';
import type { RouteSwitch } from '../targets/process/routes.js';
import { MissedWebhooks } from './missed-webhooks.js';
import { notifyingStore } from './notify.js';
import type { AppRuntime } from './ports.js';
import { GateConfirmer } from './confirm.js';
import { Reconciler } from './reconciler.js';
import { Sweeps } from './sweeps.js';

/** How often TTLs are checked. */
const EXPIRY_CHECK_MS = 30_000;
/** How often `/slipway deploy` requests GitHub could not be asked about are tried again. */
const APPROVAL_RETRY_MS = 15_000;
/** How often old CI signals are forgotten. */
const SIGNAL_PRUNE_MS = 3_600_000;

/** Gate timeouts are checked a tenth of the shortest timeout apart, from 1 s to 1 min. */
export function gateCheckInterval(config: Config): number {
  const timeouts = config.apps.flatMap((app) => app.environments.flatMap((env) => (env.gate === null ? [] : [env.gate.timeoutMs])));
  return Math.min(60_000, Math.max(1000, Math.min(...timeouts, 600_000) / 10));
}

export interface Engine {
  /** Desired state changed: converge now. */
  nudge(): void;
  /** Stops timers and cancels running deployments (they run again at the next start). */
  stop(): Promise<void>;
}

/** What the targets are made with besides their config. */
export type TargetWiring = Pick<TargetContext, 'routes' | 'log' | 'onRuntime'>;

/** The configured apps, by name, each with its own target. */
export function appRuntimes(config: Config, wiring: TargetWiring): Map<string, AppRuntime> {
  const apps = new Map<string, AppRuntime>();
  for (const app of config.apps) {
    const target = createTarget(app.target, { app: app.name, dataDir: config.store.dataDir, workDir: config.store.workDir, ...wiring });
    apps.set(app.name, { name: app.name, repo: app.repo, remoteUrl: app.url, target, vars: app.env, secretVars: app.secretEnv, environments: app.environments });
  }
  return apps;
}

/** Says once, at start, what slipway cannot do without GitHub credentials. */
function warnWithoutCredentials(config: Config, log: Logger): void {
  const artifacts = config.apps.flatMap((app) => app.environments.filter((env) => env.artifact !== null).map((env) => `${app.name}/${env.name}`));
  log.warn(
    { ...(artifacts.length > 0 ? { failingEnvironments: artifacts } : {}) },
    'no github.token or github.app: slipway reports no deployments, statuses or pull request comments to GitHub, ' +
      'gates rely on webhooks alone, missed webhooks are not recovered, and workflow artifacts cannot be downloaded (deployments of them fail)',
  );
}

/**
 * Credentials for git over https to the configured apps' remotes: github.token, or the App's
 * installation token of the app's repository (asked for each time; cached and renewed by the
 * clients). Other remotes get none.
 */
function gitAuth(config: Config, github: GitHubClients): (remoteUrl: string) => Promise<{ token?: string }> {
  const repos = new Map(config.apps.map((app) => [app.url, app.repo]));
  return async (remoteUrl) => {
    const repo = repos.get(remoteUrl);
    return repo === undefined ? {} : { token: await github.gitToken(repo) };
  };
}

/** A target's report on a running process, as the store keeps it. */
function runtimeStatus(report: RuntimeReport): RuntimeStatus {
  const lastExit = report.lastSignal !== null ? `signal ${report.lastSignal}` : report.lastExitCode !== null ? `code ${report.lastExitCode}` : null;
  return { app: report.app, env: report.env, restarts: report.restarts, lastExit, crashed: report.state === 'crashed' };
}

/** The reconciler with its git source, the reporter to GitHub and missed-webhook recovery (with credentials), and the TTL, resync, orphan, gate and signal sweeps on their schedules. */
export async function startEngine(config: Config, store: Store, log: Logger, metrics: Metrics, routes: RouteSwitch | null): Promise<Engine> {
  const onRuntime = (report: RuntimeReport) => {
    store.recordRuntime(runtimeStatus(report)).catch((error: unknown) => log.error({ err: error }, 'cannot record a process status'));
  };
  const apps = appRuntimes(config, { routes, log, onRuntime });
  // What ran before this start is adopted or started again before the router takes traffic.
  for (const app of apps.values()) await app.target.recover?.();
  const github = clientsFromConfig(config, log, metrics);
  if (github === null) warnWithoutCredentials(config, log);
  const source = new GitSource({
    cacheDir: join(config.store.dataDir, 'git'),
    worktreeRoot: join(config.store.workDir, 'worktrees'),
    ...(github ? { auth: gitAuth(config, github) } : {}),
    log: (msg, fields) => log.debug(fields, msg),
  });
  const artifacts = github === null ? undefined : new ArtifactSource({
    github,
    limits: config.artifacts,
    tempDir: join(config.store.dataDir, 'tmp'),
  });
  const reporter = github === null ? null : new Reporter({
    store,
    clients: github,
    apps,
    publicUrl: config.server.publicUrl ?? null,
    log: log.child({ component: 'reporter' }),
  });
  // Every write to deployments nudges the reporter.
  const engineStore = reporter === null ? store : notifyingStore(store, () => reporter.nudge());
  const gateInterval = gateCheckInterval(config);
  // Without credentials gates wait for webhooks only.
  const confirmer = github === null ? null : new GateConfirmer(store, apps, github, log.child({ component: 'gates' }), gateInterval, () => reconciler.nudge());
  const confirm = () => void confirmer?.confirmWaiting().catch((error: unknown) => log.error({ err: error }, 'cannot confirm gates'));
  const reconciler = new Reconciler({
    store: engineStore,
    source,
    ...(artifacts ? { artifacts } : {}),
    apps,
    log: log.child({ component: 'reconciler' }),
    worktreeRoot: join(config.store.workDir, 'worktrees'),
    artifactRoot: join(config.store.workDir, 'artifacts'),
    concurrency: config.engine.concurrency,
    metrics,
    waiting: confirm,
    canApprove: github !== null,
  });
  const desk = github === null ? null : new ApprovalDesk(
    store,
    github,
    (repo) => appsFor(repo, config).map((app) => app.name),
    log.child({ component: 'approvals' }),
    (repo, pr) => reporter?.commentOn(repo, pr),
  );
  const approvals = async () => {
    if (desk === null) return;
    await desk.run();
    reconciler.nudge();
  };
  const approving = config.apps.filter(approvesForks).map((app) => app.name);
  if (github === null && approving.length > 0) {
    log.warn({ apps: approving }, 'these apps preview forks by approval (forks: approve), which needs github.token or github.app to check who comments: without them no fork preview deploys');
  }
  const sweeps = new Sweeps(engineStore, apps, log.child({ component: 'sweeps' }), () => reconciler.nudge());
  await reconciler.start();
  reporter?.start();
  const every = (ms: number, name: string, task: () => Promise<unknown>) => {
    const run = () => void task().catch((error: unknown) => log.error({ err: error, sweep: name }, 'sweep failed'));
    const timer = setInterval(run, ms);
    timer.unref();
    return { run, timer };
  };
  const orphans = every(config.engine.sweepIntervalMs, 'orphans', () => sweeps.orphans());
  const expiry = every(EXPIRY_CHECK_MS, 'ttl', () => sweeps.expire());
  const approvalRuns = every(APPROVAL_RETRY_MS, 'approvals', approvals);
  const timers = [
    orphans,
    expiry,
    approvalRuns,
    every(config.engine.resyncIntervalMs, 'resync', () => sweeps.resync()),
    every(gateInterval, 'gates', async () => {
      await confirmer?.confirmWaiting();
      await sweeps.gateTimeouts();
    }),
    every(SIGNAL_PRUNE_MS, 'signals', () => sweeps.pruneSignals()),
  ];
  // At start: orphans first (what the store does not know), then expired environments.
  orphans.run();
  expiry.run();
  // With GitHub credentials, missed webhooks heal at start and on their schedule.
  const missed = github === null ? null : new MissedWebhooks({ config, store, clients: github, log: log.child({ component: 'recovery' }), changed: () => reconciler.nudge() });
  if (missed !== null) {
    const recovery = every(config.github.recovery.intervalMs, 'recovery', () => missed.run());
    timers.push(recovery);
    recovery.run();
  }
  return {
    nudge: () => {
      reconciler.nudge();
      // A delivery may have brought a /slipway deploy request.
      approvalRuns.run();
    },
    stop: async () => {
      for (const { timer } of timers) clearInterval(timer);
      await missed?.stop();
      await reconciler.stop();
      await reporter?.stop();
      await Promise.all([...apps.values()].map((app) => app.target.close?.()));
    },
  };
}
