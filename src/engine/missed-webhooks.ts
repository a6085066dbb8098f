import type { Config } from '../config/schema.js';
import type { GitHubClients } from '../github/client.js';
import { recoverDeliveries } from '../github/deliveries.js';
import { repoState } from '../github/repo-state.js';
import type { Logger } from '../logger.js';
import type { EnvironmentStore, HookStore } from '../store/store.js';
import { sweepGitHub } from './github-sweep.js';

/** The longest one run may take; what it did not reach waits for the next run. */
const RUN_TIMEOUT_MS = 5 * 60_000;
/** Pages of 100 the sweep reads of one list (open pull requests, branches). */
const MAX_PAGES = 10;

export interface MissedWebhooksOptions {
  config: Config;
  store: HookStore & EnvironmentStore;
  clients: GitHubClients;
  log: Logger;
  /** Called after the sweep changed desired state. */
  changed: () => void;
}

/**
 * GitHub never retries a webhook by itself. Each run asks it to redeliver the deliveries that
 * failed (`recoverDeliveries`), then compares open pull requests and branches with the
 * environments (`sweepGitHub`). One run at a time; `stop` ends the one in flight.
 */
export class MissedWebhooks {
  private current: Promise<void> | null = null;
  private readonly stopped = new AbortController();

  constructor(private readonly options: MissedWebhooksOptions) {}

  /** Runs unless a run is in flight (then resolves when that one ends). */
  run(): Promise<void> {
    if (this.stopped.signal.aborted) return Promise.resolve();
    this.current ??= this.once().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopped.abort(new Error('slipway is stopping'));
    await this.current;
  }

  private async once(): Promise<void> {
    const { config, store, clients, log, changed } = this.options;
    const signal = AbortSignal.any([this.stopped.signal, AbortSignal.timeout(RUN_TIMEOUT_MS)]);
    try {
      await recoverDeliveries({ clients, store, repos: config.apps.map((app) => app.repo), log, signal });
      const github = repoState({ clients, signal, maxPages: MAX_PAGES });
      if ((await sweepGitHub({ config, store, github, log })).length > 0) changed();
    } catch (error) {
      if (!this.stopped.signal.aborted) throw error;
    }
  }
}
