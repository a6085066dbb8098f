import type { ChangeTopic, Store } from './store.js';

type Listener = (topics: readonly ChangeTopic[]) => void;

/** The store's writes and the topics each one changes. */
const WRITES: Partial<Record<keyof Store, readonly ChangeTopic[]>> = {
  insertDelivery: ['deliveries'],
  finishDeliveries: ['deliveries', 'environments'],
  requeueDelivery: ['deliveries'],
  changeEnvironments: ['environments'],
  markConverged: ['environments'],
  completeDestroy: ['environments', 'deployments'],
  recordRuntime: ['environments'],
  markSleeping: ['environments'],
  beginDeployment: ['environments', 'deployments'],
  startDeployment: ['environments', 'deployments'],
  completeDeployment: ['environments', 'deployments'],
  interruptDeployments: ['environments', 'deployments'],
  takeOverDeployments: ['environments', 'deployments'],
  recordSignals: ['deployments'],
  // Commands from pull request comments and fork approvals change environments as they are decided.
  decideCommand: ['environments'],
  decideApproval: ['environments', 'deployments'],
};

/**
 * Tells listeners what the store's writes changed, gathered over `delayMs` so that a burst of
 * writes (a deployment's phases, a batch of deliveries) is one notice. Writes made through
 * `observe`d stores count; a store shared with other processes adds theirs by `touch`.
 */
export class ChangeFeed {
  private readonly listeners = new Set<Listener>();
  private readonly pending = new Set<ChangeTopic>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly delayMs = 200) {}

  touch(topics: readonly ChangeTopic[]): void {
    for (const topic of topics) this.pending.add(topic);
    if (this.timer !== null || this.listeners.size === 0) {
      if (this.listeners.size === 0) this.pending.clear();
      return;
    }
    this.timer = setTimeout(() => this.flush(), this.delayMs);
    this.timer.unref();
  }

  /** Calls `listener` after changes until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private flush(): void {
    this.timer = null;
    const topics = [...this.pending];
    this.pending.clear();
    for (const listener of this.listeners) listener(topics);
  }
}

/** The same store, whose writes are told to `feed` once they succeed. */
export function observe(store: Store, feed: ChangeFeed): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const topics = WRITES[property as keyof Store];
      const method = value as (...args: unknown[]) => unknown;
      if (topics === undefined) return method.bind(target);
      return async (...args: unknown[]) => {
        const result = await method.apply(target, args);
        feed.touch(topics);
        return result;
      };
    },
  });
}
