import { setTimeout as sleep } from 'node:timers/promises';
import type { EnvironmentStore } from '../store/store.js';

/** A deployment's log in memory, bounded: the first part is kept and the cut is said. Followed while it is written. */
export class DeploymentLog {
  private text = '';
  private cut = false;
  private ended = false;
  /** Resolved (and replaced) at each write and at the end: what followers wait on. */
  private changed = waiter();

  constructor(private readonly limit = 1024 * 1024) {}

  readonly write = (text: string): void => {
    if (this.cut || this.ended) return;
    const room = this.limit - this.text.length;
    if (text.length > room) {
      this.text += `${text.slice(0, room)}\n[slipway: log cut at ${this.limit} characters]\n`;
      this.cut = true;
    } else {
      this.text += text;
    }
    this.wake();
  };

  /** Nothing more is written: followers pass on the rest and stop. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The text from character `from` on, then what is written, until `end()` or `signal` fires. */
  async *follow(from: number, signal: AbortSignal): AsyncGenerator<string> {
    let position = from;
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    for (;;) {
      const { promise } = this.changed;
      if (this.text.length > position) {
        yield this.text.slice(position);
        position = this.text.length;
      }
      if (this.ended || signal.aborted) return;
      await Promise.race([promise, aborted]);
    }
  }

  toString(): string {
    return this.text;
  }

  private wake(): void {
    this.changed.resolve();
    this.changed = waiter();
  }
}

/** A promise and what resolves it. */
function waiter(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** The logs of the deployments running in this process, by deployment id, so they can be followed as they are written. */
export class LiveLogs {
  private readonly logs = new Map<number, DeploymentLog>();

  /** A new log for deployment `id`, followed from now until `finish(id)`. */
  start(id: number): DeploymentLog {
    const log = new DeploymentLog();
    this.logs.set(id, log);
    return log;
  }

  /** The deployment is over (its log is in the store): followers stop. */
  finish(id: number): void {
    this.logs.get(id)?.end();
    this.logs.delete(id);
  }

  get(id: number): DeploymentLog | undefined {
    return this.logs.get(id);
  }
}

/** How often a deployment not running in this process (waiting for its gate, or on another replica) is looked at. */
const POLL_MS = 1000;

export interface OutputOptions {
  /** Pass on what comes until the deployment ends, or `signal` fires. */
  follow: boolean;
  signal: AbortSignal;
}

/**
 * A deployment's output: its log as it is written while it runs here, else as the store
 * keeps it; once it has ended with an error, a last line says which. With `follow`, it
 * goes on until the deployment ends.
 */
export async function* deploymentOutput(
  store: Pick<EnvironmentStore, 'getDeployment'>,
  live: LiveLogs,
  id: number,
  options: OutputOptions,
): AsyncGenerator<string> {
  const { signal } = options;
  let sent = 0;
  for (;;) {
    const running = live.get(id);
    if (running !== undefined) {
      for await (const text of running.follow(sent, options.follow ? signal : AbortSignal.abort())) {
        sent += text.length;
        yield text;
      }
      if (!options.follow || signal.aborted) return;
    }
    const deployment = await store.getDeployment(id);
    if (deployment === null) return;
    if (deployment.log.length > sent) {
      yield deployment.log.slice(sent);
      sent = deployment.log.length;
    }
    if (deployment.finishedAt !== null) {
      if (deployment.error !== null) yield `slipway: deployment ${id} ended ${deployment.state}: ${deployment.error}\n`;
      return;
    }
    if (!options.follow) return;
    // Started here meanwhile: followed as it is written, with no wait.
    if (live.get(id) === undefined) await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
  }
}
