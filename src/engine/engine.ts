import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Environment } from '../domain/environments.js';
import type { Logger } from '../logger.js';
import { ApprovalDesk } from '../github/approvals.js';
import type { GitHubClients } from '../github/client.js';
import type { Reporter } from '../github/reporter.js';
import { approvesForks } from '../policy/approvals.js';
import { appsFor } from '../policy/policy.js';
import type { DispatchResult, Store } from '../store/store.js';
import { CommandDesk } from './commands.js';
import { DiskSweep } from './disk-sweep.js';
import type { LiveLogs } from './deployment-log.js';
import type { JobRun } from './job-runs.js';
import { MissedWebhooks } from './missed-webhooks.js';
import { notifyingStore } from './notify.js';
import type { AppRuntime, ArtifactPort, EngineMetrics, SourcePort } from './ports.js';
import { GateConfirmer } from './confirm.js';
import { Reconciler } from './reconciler.js';
import { Rollout, type EnvironmentKey } from './rollout.js';
import { Retention } from './retention.js';
import type { ScheduleLeases } from './schedule-leases.js';
import { Scheduler } from './scheduler.js';
import { Sweeps } from './sweeps.js';
import { sleepCheckInterval, Sleeper, type RouterActivity } from './sleeper.js';

/** How often TTLs are checked. */
const EXPIRY_CHECK_MS = 30_000;
/** How often `/slipway …` comments GitHub could not be asked about (approvals, commands, reactions) are tried again. */
const APPROVAL_RETRY_MS = 15_000;
/** How long GitHub calls in flight at a stop may take to finish, waits in the clients' queues and retries included. */
const GITHUB_STOP_GRACE_MS = 2000;
/** How often the worktrees of environments that are gone are removed and the mirrors tidied (see DiskSweep). */
const DISK_SWEEP_MS = 6 * 3_600_000;
/** How often the retention job runs. */
const RETENTION_MS = 3_600_000;
/** The first runs of the retention and mirrors jobs are this long after start: start-up work (deployments, fetches) goes first. */
const FIRST_RUN_MS = 60_000;

/** Gate timeouts are checked a tenth of the shortest timeout apart, from 1 s to 1 min. */
export function gateCheckInterval(config: Config): number {
  const timeouts = config.apps.flatMap((app) => app.environments.flatMap((env) => (env.gate === null ? [] : [env.gate.timeoutMs])));
  return Math.min(60_000, Math.max(1000, Math.min(...timeouts, 600_000) / 10));
}

export interface Engine {
  /** Desired state changed (by these deliveries, when given): converge now. */
  nudge(results?: readonly DispatchResult[]): void;
  /** Their config changed: deploy these environments again, one after another. */
  redeploy(environments: readonly EnvironmentKey[]): void;
  /** The last run of each background job. */
  jobRuns(): JobRun[];
  /** Stops timers and cancels running deployments (they run again at the next start). */
  stop(): Promise<void>;
}

/** What the engine runs on, made by `service.ts`: each app with its target, the sources, and GitHub's clients and reporter. */
export interface EngineParts {
  config: Config;
  store: Store;
  log: Logger;
  metrics: EngineMetrics;
  apps: Map<string, AppRuntime>;
  source: SourcePort;
  /** Null without GitHub credentials: artifacts cannot be downloaded. */
  artifacts: ArtifactPort | null;
  /** Null without GitHub credentials: nothing is reported, confirmed or recovered. */
  github: GitHubClients | null;
  reporter: Reporter | null;
  /** The GitHub clients were made with its signal: at a stop the engine aborts it after a short grace, ending their calls and waits. */
  cutGitHub: AbortController;
  /** Where running deployments' logs are followed (the API's `logs` route reads them). */
  liveLogs: LiveLogs;
  /** The router, when slipway runs one: environments sleep when idle and wake on its requests. */
  router: RouterActivity | null;
  /** The leases store-wide jobs run under (the reporter's too), so replicas sharing the store run each on one of them. */
  schedules: ScheduleLeases;
}

/** The reconciler, the reporter to GitHub and missed-webhook recovery (with credentials), the TTL, resync, orphan and gate sweeps and the retention job on their schedules. */
export async function startEngine(parts: EngineParts): Promise<Engine> {
  const { config, store, log, metrics, apps, source, artifacts, github, reporter, cutGitHub, liveLogs, router, schedules } = parts;
  const leaseMs = config.engine.leaseMs;
  // Every background job takes it: a stop ends their runs between items at once.
  const stopping = new AbortController();
  // What ran before this start is adopted or started again before the router takes traffic.
  for (const app of apps.values()) await app.target.recover?.();
  // Every write to deployments nudges the reporter.
  const engineStore = reporter === null ? store : notifyingStore(store, () => reporter.nudge());
  const gateInterval = gateCheckInterval(config);
  // Without credentials gates wait for webhooks only.
  const confirmer = github === null ? null : new GateConfirmer(store, apps, github, log.child({ component: 'gates' }), gateInterval, () => reconciler.nudge(), stopping.signal);
  const confirm = () => void confirmer?.confirmWaiting().catch((error: unknown) => log.error({ err: error }, 'cannot confirm gates'));
  const slept = (env: Environment) => {
    const repo = apps.get(env.app)?.repo;
    if (env.pr !== null && repo !== undefined) reporter?.commentOn(repo, env.pr);
  };
  const sleeper = router === null ? null : new Sleeper(engineStore, apps, router, log.child({ component: 'sleeper' }), metrics, stopping.signal, slept, leaseMs);
  const capped = () => void sleeper?.enforceCaps().catch((error: unknown) => log.error({ err: error }, 'cannot keep the previews under their cap'));
  const reconciler = new Reconciler({
    store: engineStore,
    source,
    ...(artifacts !== null ? { artifacts } : {}),
    apps,
    log: log.child({ component: 'reconciler' }),
    worktreeRoot: join(config.store.workDir, 'worktrees'),
    artifactRoot: join(config.store.workDir, 'artifacts'),
    concurrency: config.engine.concurrency,
    leaseMs,
    metrics,
    waiting: confirm,
    canApprove: github !== null,
    liveLogs,
    deployed: capped,
  });
  const desk = github === null ? null : new ApprovalDesk(
    store,
    github,
    (repo) => appsFor(repo, config).map((app) => app.name),
    log.child({ component: 'approvals' }),
    (repo, pr) => reporter?.commentOn(repo, pr),
    stopping.signal,
  );
  const approvals = async () => {
    if (desk === null) return;
    await desk.run();
    reconciler.nudge();
  };
  const commandDesk = github === null ? null : new CommandDesk({
    store,
    clients: github,
    appsOf: (repo) => appsFor(repo, config).map((app) => app.name),
    log: log.child({ component: 'commands' }),
    decided: (repo, pr) => reporter?.commentOn(repo, pr),
    changed: () => reconciler.nudge(),
    canSleep: (env) => sleeper?.canSleep(env) ?? false,
    sleep: async (envs) => sleeper?.sleepNow(envs),
    stop: stopping.signal,
  });
  const approving = config.apps.filter(approvesForks).map((app) => app.name);
  if (github === null && approving.length > 0) {
    log.warn({ apps: approving }, 'these apps preview forks by approval (forks: approve), which needs github.token or github.app to check who comments: without them no fork preview deploys');
  }
  const sweeps = new Sweeps(engineStore, apps, log.child({ component: 'sweeps' }), () => reconciler.nudge(), stopping.signal, leaseMs);
  const disk = new DiskSweep({
    store,
    apps,
    source,
    worktreeRoot: join(config.store.workDir, 'worktrees'),
    artifactRoot: join(config.store.workDir, 'artifacts'),
    log: log.child({ component: 'disk' }),
    stop: stopping.signal,
    leaseMs,
  });
  const rollout = new Rollout(engineStore, () => reconciler.nudge(), log.child({ component: 'rollout' }), stopping.signal);
  await reconciler.start();
  reporter?.start();
  const scheduler = new Scheduler({ leases: schedules, log, stop: stopping.signal });
  // `replica` jobs act on what this replica has: its targets' running environments, its disk
  // (git mirrors, worktrees, artifacts), its router's requests. `store` jobs act on what the store
  // holds, and on GitHub for it: one replica at a time runs each.
  const orphans = scheduler.every(config.engine.sweepIntervalMs, 'orphans', 'replica', () => sweeps.orphans());
  const expiry = scheduler.every(EXPIRY_CHECK_MS, 'ttl', 'store', () => sweeps.expire());
  const approvalRuns = scheduler.every(APPROVAL_RETRY_MS, 'approvals', 'store', approvals);
  const commandRuns = scheduler.every(APPROVAL_RETRY_MS, 'commands', 'store', async () => commandDesk?.run());
  const mirrors = scheduler.every(DISK_SWEEP_MS, 'mirrors', 'replica', () => disk.run());
  scheduler.every(config.engine.resyncIntervalMs, 'resync', 'store', () => sweeps.resync());
  scheduler.every(gateInterval, 'gates', 'store', async () => {
    await confirmer?.confirmWaiting();
    await sweeps.gateTimeouts();
  });
  const retention = new Retention(store, config.retention, log.child({ component: 'retention' }), stopping.signal);
  const pruning = scheduler.every(RETENTION_MS, 'retention', 'store', () => retention.run());
  // Its first run, once start-up work is done.
  scheduler.after(FIRST_RUN_MS, pruning);
  if (sleeper !== null) scheduler.every(sleepCheckInterval(apps.values()), 'sleep', 'replica', () => sleeper.sweep());
  // At start: orphans first (what the store does not know), then expired environments.
  orphans.run();
  expiry.run();
  // Commands a stop left half done carry on.
  commandRuns.run();
  // Folders of environments destroyed while slipway was down go, and the mirrors are tidied:
  // a minute after start, so a `git gc` does not race the fetches and checkouts of start-up.
  scheduler.after(FIRST_RUN_MS, mirrors);
  // With GitHub credentials, missed webhooks heal at start and on their schedule.
  const missed = github === null ? null : new MissedWebhooks({ config, store, clients: github, log: log.child({ component: 'recovery' }), changed: () => reconciler.nudge() });
  if (missed !== null) scheduler.every(config.github.recovery.intervalMs, 'recovery', 'store', () => missed.run()).run();
  return {
    nudge: (results = []) => {
      reconciler.nudge();
      // The slipway:keep label changes what the pull request's comment shows, and no deployment does.
      for (const change of results.flatMap((result) => result.changes ?? [])) {
        if (change.kind !== 'follow' || change.keep === undefined || change.pr === null) continue;
        const repo = apps.get(change.app)?.repo;
        if (repo !== undefined) reporter?.commentOn(repo, change.pr);
      }
      // A delivery may have brought a /slipway deploy request or another command.
      approvalRuns.run();
      commandRuns.run();
    },
    redeploy: (environments) => rollout.add(environments),
    jobRuns: () => scheduler.jobRuns(),
    stop: async () => {
      scheduler.stop();
      stopping.abort(new Error('slipway is stopping'));
      const cut = setTimeout(() => cutGitHub.abort(new Error('slipway is stopping')), GITHUB_STOP_GRACE_MS);
      // The reporter sends nothing new from now; what the stop itself changes is reported at the next start.
      const reporting = reporter?.stop();
      await missed?.stop();
      await rollout.settled();
      await reconciler.stop();
      await reporting;
      await scheduler.settled();
      clearTimeout(cut);
      cutGitHub.abort(new Error('slipway is stopping'));
      await Promise.all([...apps.values()].map((app) => app.target.close?.()));
    },
  };
}
