import type { Deployment } from '../../domain/environments.js';
import type { DeliveryEffects, FinishedDeployment } from '../store.js';
import type { Sql } from './database.js';
import { DEPLOYMENT_COLUMNS } from './deployment-basics.js';
import { ENV_COLUMNS, toEnvironment, type EnvironmentRow } from './environment-queries.js';

/** What the delivery changed last, and the deployments it started; the caller reads both in one snapshot. */
export async function deliveryEffects(sql: Sql, deliveryId: string): Promise<DeliveryEffects> {
  const environments = await sql.all<EnvironmentRow>(`SELECT ${ENV_COLUMNS} FROM environments WHERE last_delivery = $1
    ORDER BY app COLLATE "C", name COLLATE "C"`, [deliveryId]);
  const deployments = await sql.all<Deployment>(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d JOIN environments e ON e.id = d.environment_id
    WHERE d.delivery_id = $1 ORDER BY d.id`, [deliveryId]);
  return { environments: environments.map(toEnvironment), deployments };
}

/** A destroy turns the environment's last success `inactive`; its timeline still says it succeeded. */
export function finishedDeployments(sql: Sql, since: number): Promise<FinishedDeployment[]> {
  return sql.all(`SELECT d.finished_at AS "finishedAt",
      CASE WHEN d.state = 'inactive' AND EXISTS (SELECT 1 FROM deployment_timeline t WHERE t.deployment_id = d.id AND t.state = 'success')
        THEN 'success' ELSE d.state END AS outcome,
      r.received_at AS "receivedAt"
    FROM deployments d LEFT JOIN deliveries r ON r.id = d.delivery_id
    WHERE d.finished_at >= $1 ORDER BY d.finished_at, d.id`, [since]);
}
