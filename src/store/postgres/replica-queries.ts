import type { Replica, ReplicaInfo } from '../replicas.js';
import type { Sql } from './database.js';

/** A day without a heartbeat: the replica is long gone, and its row is only noise. */
const FORGET_AFTER = `interval '1 day'`;

export async function registerReplica(sql: Sql, replica: ReplicaInfo): Promise<void> {
  await sql.run(`DELETE FROM replicas WHERE heartbeat_at < clock_timestamp() - ${FORGET_AFTER}`);
  await sql.run(`INSERT INTO replicas (id, host, pid, process_apps, started_at, heartbeat_at)
      VALUES ($1, $2, $3, $4, clock_timestamp(), clock_timestamp())
    ON CONFLICT (id) DO UPDATE SET process_apps = excluded.process_apps, heartbeat_at = excluded.heartbeat_at`,
  [replica.id, replica.host, replica.pid, replica.processApps]);
}

export async function heartbeatReplica(sql: Sql, id: string, processApps: string[]): Promise<boolean> {
  return (await sql.run('UPDATE replicas SET heartbeat_at = clock_timestamp(), process_apps = $2 WHERE id = $1', [id, processApps])) === 1;
}

export async function removeReplica(sql: Sql, id: string): Promise<void> {
  await sql.run('DELETE FROM replicas WHERE id = $1', [id]);
}

export async function liveReplicas(sql: Sql, withinMs: number): Promise<Replica[]> {
  return sql.all<Replica>(`SELECT id, host, pid, process_apps AS "processApps",
      (extract(epoch FROM started_at) * 1000)::bigint AS "startedAt",
      (extract(epoch FROM heartbeat_at) * 1000)::bigint AS "heartbeatAt"
    FROM replicas
    WHERE heartbeat_at > clock_timestamp() - $1::bigint * interval '1 millisecond'
    ORDER BY started_at, id`, [withinMs]);
}
