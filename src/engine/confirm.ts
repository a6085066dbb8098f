import type { GitHubClients } from '../github/client.js';
import { fetchSignals } from '../github/ci.js';
import type { Logger } from '../logger.js';
import type { EnvironmentStore, SignalStore } from '../store/store.js';
import type { AppRuntime } from './ports.js';
import { ruleOf } from '../policy/rules.js';

/** A commit a gate waits on, and the apps of its repository whose environments it may open. */
interface Wanted {
  repo: string;
  sha: string;
  workflows: boolean;
  apps: Set<string>;
}

/**
 * Confirms gates through the GitHub API: the CI results of every commit a deployment waits on
 * are read and recorded as signals, so a missed `check_suite` or `check_run` delivery never
 * strands an environment. Each commit is read at most once per `intervalMs`. An API error is
 * logged and the gate keeps waiting: it never fails a gate.
 */
export class GateConfirmer {
  /** When each `repo@sha` was last read. */
  private readonly readAt = new Map<string, number>();
  /** Passes run one after another, so no commit is read twice at once. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EnvironmentStore & SignalStore,
    private readonly apps: ReadonlyMap<string, AppRuntime>,
    private readonly clients: GitHubClients,
    private readonly log: Logger,
    private readonly intervalMs: number,
    /** Called after signals were recorded (they may have woken environments). */
    private readonly changed: () => void,
    /** slipway is stopping: no commit is read any more, and calls in flight end. */
    private readonly stop: AbortSignal = new AbortController().signal,
  ) {}

  /** Reads the CI of every commit a gated deployment waits on; resolves to how many were read. */
  confirmWaiting(now?: number): Promise<number> {
    const pass = this.queue.then(() => this.pass(now ?? Date.now()));
    this.queue = pass.catch(() => undefined);
    return pass;
  }

  private async pass(now: number): Promise<number> {
    const wanted = new Map<string, Wanted>();
    for (const deployment of await this.store.waitingDeployments()) {
      const app = this.apps.get(deployment.app);
      const env = app === undefined ? null : await this.store.getEnvironment(deployment.app, deployment.env);
      const gate = app === undefined || env === null ? null : ruleOf(app, env)?.gate;
      if (app === undefined || gate == null || deployment.sha === null) continue;
      const key = `${app.repo.toLowerCase()}@${deployment.sha}`;
      const entry = wanted.get(key) ?? { repo: app.repo, sha: deployment.sha, workflows: false, apps: new Set<string>() };
      entry.workflows ||= gate.workflows.length > 0;
      entry.apps.add(app.name);
      wanted.set(key, entry);
    }
    for (const [key, at] of this.readAt) if (!wanted.has(key) || now - at >= this.intervalMs) this.readAt.delete(key);
    let read = 0;
    for (const [key, entry] of wanted) {
      if (this.stop.aborted) break;
      if (this.readAt.has(key)) continue;
      this.readAt.set(key, now);
      if (await this.confirm(entry, now)) read += 1;
    }
    return read;
  }

  private async confirm(entry: Wanted, now: number): Promise<boolean> {
    try {
      const github = await this.clients.forRepo(entry.repo);
      const reports = await fetchSignals(github, entry, this.stop);
      await this.store.recordSignals(reports.map((report) => ({ signal: { ...report, receivedAt: now }, apps: [...entry.apps] })));
      this.log.debug({ repo: entry.repo, sha: entry.sha, signals: reports.length }, 'CI confirmed through the API');
      if (reports.length > 0) this.changed();
      return true;
    } catch (error) {
      if (this.stop.aborted) return false;
      this.log.warn({ repo: entry.repo, sha: entry.sha, reason: (error as Error).message }, 'cannot read CI through the GitHub API; the gate keeps waiting');
      return false;
    }
  }
}
