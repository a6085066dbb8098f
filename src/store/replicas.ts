/**
 * The slipway processes that share one store, and the routes they share. Only a shared store
 * (PostgreSQL) keeps them: an SQLite data folder belongs to one process (its lock file says
 * which), whose router keeps its routes in memory.
 */
import type { Route, StoredRoute } from '../domain/routes.js';

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

/** The routers' routes, shared by the replicas: any replica's router serves any environment it can reach. */
export interface RouteStore {
  /** Records where the environment's traffic goes now (null: it has no route any more). */
  putRoute(app: string, env: string, route: Route | null): Promise<void>;
  /** Every environment's route (a row that does not read as a route is left out). */
  listRoutes(): Promise<StoredRoute[]>;
}
