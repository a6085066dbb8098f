/**
 * The slipway processes that share one store. Only a shared store (PostgreSQL) keeps them: an
 * SQLite data folder belongs to one process (its lock file says which).
 */

/** What a replica says of itself when it starts. */
export interface ReplicaInfo {
  /** Unique per start. */
  id: string;
  host: string;
  pid: number;
  /** Apps it runs on the process target, which serve only from its own machine. */
  processApps: string[];
}

/** A replica as the store knows it; times in ms, by the store's clock (replicas' clocks may differ). */
export interface Replica extends ReplicaInfo {
  startedAt: number;
  heartbeatAt: number;
}

export interface ReplicaStore {
  /** Records the replica as alive from now (again, after the store lost it); forgets replicas silent for a day. */
  registerReplica(replica: ReplicaInfo): Promise<void>;
  /** It is still alive, running these process apps; false when its row is gone (re-register). */
  heartbeatReplica(id: string, processApps: string[]): Promise<boolean>;
  /** It stopped. */
  removeReplica(id: string): Promise<void>;
  /** Replicas whose last heartbeat is at most `withinMs` old, oldest start first. */
  liveReplicas(withinMs: number): Promise<Replica[]>;
}
