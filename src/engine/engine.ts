import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../logger.js';
import { createGitHubApi } from '../github/api.js';
import { ApprovalDesk } from '../github/approvals.js';
import { clientsFromConfig } from '../github/client.js';
import { approvesForks } from '../policy/approvals.js';
import { appsFor } from '../policy/policy.js';
import { ArtifactSource } from '../source/artifact-source.js';
import { GitSource } from '../source/git-source.js';
import type { Store } from '../store/store.js';
import { createTarget, type TargetContext } from '../targets/registry.js';
import type { RuntimeReport } from '../targets/target.js';
import type { RuntimeStatus } from '../store/environments.js';
import type { RouteSwitch } from '../targets/process/routes.js';
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
    const target = createTarget(app.target, { app: app.name, dataDir: config.store.dataDir, ...wiring });
    apps.set(app.name, { name: app.name, repo: app.repo, remoteUrl: app.url, target, vars: app.env, secretVars: app.secretEnv, environments: app.environments });
  }
  return apps;
}

/** A target's report on a running process, as the store keeps it. */
function runtimeStatus(report: RuntimeReport): RuntimeStatus {
  const lastExit = report.lastSignal !== null ? `signal ${report.lastSignal}` : report.lastExitCode !== null ? `code ${report.lastExitCode}` : null;
  return { app: report.app, env: report.env, restarts: report.restarts, lastExit, crashed: report.state === 'crashed' };
}

/** The reconciler with its git source, and the TTL, resync, orphan, gate and signal sweeps on their schedules. */
export async function startEngine(config: Config, store: Store, log: Logger, metrics: Metrics, routes: RouteSwitch | null): Promise<Engine> {
  const onRuntime = (report: RuntimeReport) => {
    store.recordRuntime(runtimeStatus(report)).catch((error: unknown) => log.error({ err: error }, 'cannot record a process status'));
  };
  const apps = appRuntimes(config, { routes, log, onRuntime });
  // What ran before this start is adopted or started again before the router takes traffic.
  for (const app of apps.values()) await app.target.recover?.();
  const source = new GitSource({
    cacheDir: join(config.store.dataDir, 'git'),
    auth: config.github.token === undefined ? {} : { token: config.github.token },
    log: (msg, fields) => log.debug(fields, msg),
  });
  const token = config.github.token;
  const needsToken = config.apps.flatMap((app) => app.environments.filter((env) => env.artifact !== null).map((env) => `${app.name}/${env.name}`));
  if (token === undefined && needsToken.length > 0) {
    log.warn({ environments: needsToken }, 'these environments deploy workflow artifacts, which needs github.token: set it, or their deployments fail');
  }
  const artifacts = token === undefined ? undefined : new ArtifactSource({
    api: createGitHubApi({ apiUrl: config.github.apiUrl, token }),
    limits: config.artifacts,
    tempDir: join(config.store.dataDir, 'tmp'),
  });
  const clients = clientsFromConfig(config, log);
  const gateInterval = gateCheckInterval(config);
  // Without credentials gates wait for webhooks only.
  const confirmer = clients === null ? null : new GateConfirmer(store, apps, clients, log.child({ component: 'gates' }), gateInterval, () => reconciler.nudge());
  const confirm = () => void confirmer?.confirmWaiting().catch((error: unknown) => log.error({ err: error }, 'cannot confirm gates'));
  const reconciler = new Reconciler({
    store,
    source,
    ...(artifacts ? { artifacts } : {}),
    apps,
    log: log.child({ component: 'reconciler' }),
    worktreeRoot: join(config.store.dataDir, 'worktrees'),
    artifactRoot: join(config.store.dataDir, 'artifacts'),
    concurrency: config.engine.concurrency,
    metrics,
    waiting: confirm,
    canApprove: clients !== null,
  });
  const desk = clients === null ? null : new ApprovalDesk(store, clients, (repo) => appsFor(repo, config).map((app) => app.name), log.child({ component: 'approvals' }));
  const approvals = async () => {
    if (desk === null) return;
    await desk.run();
    reconciler.nudge();
  };
  const approving = config.apps.filter(approvesForks).map((app) => app.name);
  if (clients === null && approving.length > 0) {
    log.warn({ apps: approving }, 'these apps preview forks by approval (forks: approve), which needs github.token to check who comments: without it no fork preview deploys');
  }
  const sweeps = new Sweeps(store, apps, log.child({ component: 'sweeps' }), () => reconciler.nudge());
  await reconciler.start();
  const every = (ms: number, name: string, task: () => Promise<unknown>) => {
    const run = () => void task().catch((error: unknown) => log.error({ err: error, sweep: name }, 'sweep failed'));
    const timer = setInterval(run, ms);
    timer.unref();
    return { run, timer };
  };
  const timers = [
    every(EXPIRY_CHECK_MS, 'ttl', () => sweeps.expire()),
    every(config.engine.resyncIntervalMs, 'resync', () => sweeps.resync()),
    every(config.engine.sweepIntervalMs, 'orphans', () => sweeps.orphans()),
    every(gateInterval, 'gates', async () => {
      await confirmer?.confirmWaiting();
      await sweeps.gateTimeouts();
    }),
    every(SIGNAL_PRUNE_MS, 'signals', () => sweeps.pruneSignals()),
    every(APPROVAL_RETRY_MS, 'approvals', approvals),
  ];
  // At start: orphans first (what the store does not know), then expired environments.
  for (const index of [2, 0]) timers[index]?.run();
  const approvalsTimer = timers.at(-1);
  return {
    nudge: () => {
      reconciler.nudge();
      // A delivery may have brought a /slipway deploy request.
      approvalsTimer?.run();
    },
    stop: async () => {
      for (const { timer } of timers) clearInterval(timer);
      await reconciler.stop();
      await Promise.all([...apps.values()].map((app) => app.target.close?.()));
    },
  };
}
