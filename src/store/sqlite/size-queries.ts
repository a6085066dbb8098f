import type Database from 'better-sqlite3';
import { DELIVERY_STATUSES, type DeliveryStatus, type StoreSizes } from '../store.js';

/** How many rows the tables that grow hold, for `slipway status`; runs on the store's worker thread. */
export function createSizeQueries(db: Database.Database) {
  const inbox = db.prepare('SELECT status, count(*) AS count FROM deliveries GROUP BY status');
  const environments = db.prepare('SELECT count(*) FROM environments').pluck();
  // octet_length reads a value's size from its record header: the logs themselves are not read.
  const deployments = db.prepare('SELECT count(*) AS count, coalesce(sum(octet_length(log)), 0) AS logBytes FROM deployments');
  return {
    rowCounts(): Omit<StoreSizes, 'bytes'> {
      const deliveries = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<DeliveryStatus, number>;
      for (const row of inbox.all() as { status: DeliveryStatus; count: number }[]) deliveries[row.status] = row.count;
      const { count, logBytes } = deployments.get() as { count: number; logBytes: number };
      return { deliveries, environments: environments.get() as number, deployments: count, deploymentLogBytes: logBytes };
    },
  };
}
