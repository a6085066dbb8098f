import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from './config/schema.js';
import { SlipwayError } from './errors.js';
import type { Logger } from './logger.js';
import type { Replica, ReplicaStore } from './store/replicas.js';

export interface ReplicasOptions {
  /** The store's replica registry; null when the store belongs to this process alone (SQLite). */
  store: ReplicaStore | null;
  /** `engine.lease`: a replica silent for longer is gone. */
  leaseMs: number;
  /** The apps on the process target now (a reload may change them). */
  processApps: () => string[];
  log: Logger;
}

/** The apps of `config` on the process target. */
export function processApps(config: Config): string[] {
  return config.apps.filter((app) => app.target.type === 'process').map((app) => app.name);
}

/**
 * This replica among those sharing the store: registered at start, its heartbeat beaten a
 * third of the lease apart, removed at stop. The process target runs environments on one
 * machine, which other replicas can neither serve nor stop: a replica refuses to start where
 * process apps would meet another live replica, and logs an error when one appears later.
 */
export class Replicas {
  private readonly self: Replica;
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  /** The conflict last logged, so a lasting one is logged once. */
  private reported = '';
  private failing = false;

  constructor(private readonly options: ReplicasOptions) {
    const now = Date.now();
    this.self = { id: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`, host: hostname(), pid: process.pid, processApps: [], startedAt: now, heartbeatAt: now };
  }

  /** Registers this replica; refuses (SlipwayError `replicas_process_target`) where process apps meet another replica. */
  async start(): Promise<void> {
    const { store, leaseMs } = this.options;
    if (store === null) return;
    await store.registerReplica(this.info());
    const others = await this.others();
    const conflict = conflictWith(this.options.processApps(), others);
    if (conflict !== null) {
      await store.removeReplica(this.self.id).catch(() => undefined);
      throw new SlipwayError('replicas_process_target', `cannot start: ${conflict}`);
    }
    const beat = () => {
      this.beating = this.beat().finally(() => {
        this.beating = null;
      });
    };
    this.timer = setInterval(beat, Math.max(1000, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  /** The live replicas, this one first when the store keeps none (SQLite). */
  async list(): Promise<Replica[]> {
    const { store, leaseMs } = this.options;
    if (store === null) return [{ ...this.self, processApps: this.options.processApps(), heartbeatAt: Date.now() }];
    return store.liveReplicas(leaseMs);
  }

  /** Stops beating and removes this replica, so the others see it gone at once. */
  async stop(): Promise<void> {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    await this.options.store?.removeReplica(this.self.id).catch(() => undefined);
  }

  private info() {
    const { id, host, pid } = this.self;
    return { id, host, pid, processApps: this.options.processApps() };
  }

  private async others(): Promise<Replica[]> {
    const { store, leaseMs } = this.options;
    return (await store?.liveReplicas(leaseMs) ?? []).filter((replica) => replica.id !== this.self.id);
  }

  private async beat(): Promise<void> {
    const { store, log } = this.options;
    if (store === null) return;
    try {
      const mine = this.options.processApps();
      // The row is gone when the store was replaced or its row forgotten: register anew.
      if (!(await store.heartbeatReplica(this.self.id, mine))) await store.registerReplica(this.info());
      const conflict = conflictWith(mine, await this.others());
      if (conflict !== null && conflict !== this.reported) log.error(`process target with several replicas: ${conflict}`);
      this.reported = conflict ?? '';
      if (this.failing) log.info('the replica heartbeat reaches the store again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) log.warn({ err: error }, 'cannot record this replica\'s heartbeat; other replicas may take it for gone');
      this.failing = true;
    }
  }
}

/**
 * Why process apps cannot run with these other replicas (this replica's, or theirs), or null.
 * Says what to do: one replica, or a target that works from any replica.
 */
export function conflictWith(mine: readonly string[], others: readonly Replica[]): string | null {
  if (others.length === 0) return null;
  const fix = 'run a single replica, or move those apps to the command target, or to the docker target with a shared engine (target.host)';
  const why = 'the process target runs environments on its own machine, where other replicas can neither serve nor stop them';
  if (mine.length > 0) {
    const shown = others.map(describe).join(', ');
    return `this replica runs ${list('app', mine)} on the process target, and another slipway replica shares this store (${shown}); ${why}: ${fix}`;
  }
  const running = others.filter((replica) => replica.processApps.length > 0);
  if (running.length === 0) return null;
  const shown = running.map((replica) => `${describe(replica)} runs ${list('app', replica.processApps)}`).join('; ');
  return `another slipway replica sharing this store runs apps on the process target (${shown}); ${why}: ${fix}`;
}

function describe(replica: Replica): string {
  return `${replica.id} on ${replica.host}, pid ${replica.pid}`;
}

function list(noun: string, names: readonly string[]): string {
  return `${noun}${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
}
