import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import type { EnvironmentStore } from '../store/store.js';

/** An environment, by app and name. */
export interface EnvironmentKey {
  app: string;
  env: string;
}

/** How often a redeploy under way is looked at. */
const POLL_MS = 250;

/**
 * Redeploys environments whose config changed one after another: each is asked to deploy
 * again (with the sha it runs) and converges, or fails, before the next is asked. The others
 * keep running as they are meanwhile; environments added while it runs join the queue.
 */
export class Rollout {
  private readonly queue: EnvironmentKey[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<EnvironmentStore, 'changeEnvironments' | 'getEnvironment'>,
    /** Desired state changed: the reconciler should look now. */
    private readonly changed: () => void,
    private readonly log: Logger,
    /** slipway is stopping: nothing more is asked (what was asked converges at the next start). */
    private readonly stop: AbortSignal,
    private readonly pollMs = POLL_MS,
  ) {}

  add(environments: readonly EnvironmentKey[]): void {
    for (const key of environments) {
      if (!this.queue.some((queued) => queued.app === key.app && queued.env === key.env)) this.queue.push(key);
    }
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
  }

  /** Resolves once nothing is left to ask (or slipway stops). */
  async settled(): Promise<void> {
    await this.running;
  }

  private async run(): Promise<void> {
    for (let next = this.queue.shift(); next !== undefined && !this.stop.aborted; next = this.queue.shift()) {
      const { app, env } = next;
      await this.redeploy(app, env).catch((error: unknown) => {
        if (!this.stop.aborted) this.log.error({ err: error, app, env }, 'cannot redeploy the environment with the new config');
      });
    }
  }

  private async redeploy(app: string, name: string): Promise<void> {
    await this.store.changeEnvironments([{ kind: 'nudge', app, env: name, trigger: 'config', redeploy: true }], 'reload');
    const asked = await this.store.getEnvironment(app, name);
    if (asked === null || !asked.present) return;
    this.log.info({ app, env: name }, 'redeploying with the new config');
    this.changed();
    for (;;) {
      await sleep(this.pollMs, undefined, { signal: this.stop }).catch(() => undefined);
      if (this.stop.aborted) return;
      const now = await this.store.getEnvironment(app, name);
      if (now === null || !now.present || now.observedGeneration >= asked.generation) return;
    }
  }
}
