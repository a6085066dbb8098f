import { DELIVERY_STATUSES, type DeliveryStatus, type StoreSizes } from '../store.js';
import type { Sql } from './database.js';

/**
 * What the store holds, for `slipway status`. Bytes: the store's tables with their indexes and
 * TOAST in the connection's schema (not the whole database, which may hold other things). The
 * caller reads it all in one snapshot.
 */
export async function sizes(sql: Sql): Promise<StoreSizes> {
  const deliveries = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<DeliveryStatus, number>;
  for (const row of await sql.all<{ status: DeliveryStatus; count: number }>('SELECT status, count(*) AS count FROM deliveries GROUP BY status')) {
    deliveries[row.status] = row.count;
  }
  const counts = await sql.get<{ environments: number; deployments: number; logBytes: number; bytes: number }>(`SELECT
      (SELECT count(*) FROM environments) AS environments,
      (SELECT count(*) FROM deployments) AS deployments,
      (SELECT coalesce(sum(octet_length(log)), 0)::bigint FROM deployments) AS "logBytes",
      (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')) AS bytes`);
  const { environments = 0, deployments = 0, logBytes = 0, bytes = 0 } = counts ?? {};
  return { bytes, deliveries, environments, deployments, deploymentLogBytes: logBytes };
}
