import type Database from 'better-sqlite3';
import type { Deployment } from '../../domain/environments.js';
import type { DeliveryEffects, FinishedDeployment } from '../store.js';
import { DEPLOYMENT_COLUMNS } from './deployment-queries.js';
import { ENV_COLUMNS, toEnvironment, type EnvironmentRow } from './environment-queries.js';

/** What the dashboard reads about deliveries' effects and recent deployments; runs on the store's worker thread. */
export function createDashboardQueries(db: Database.Database) {
  const environmentsOf = db.prepare(`SELECT ${ENV_COLUMNS} FROM environments WHERE last_delivery = ? ORDER BY app, name`);
  const deploymentsOf = db.prepare(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d JOIN environments e ON e.id = d.environment_id
    WHERE d.delivery_id = ? ORDER BY d.id`);
  // A destroy turns the environment's last success `inactive`; its timeline still says it succeeded.
  const finished = db.prepare(`SELECT d.finished_at AS finishedAt,
      CASE WHEN d.state = 'inactive' AND EXISTS (SELECT 1 FROM deployment_timeline t WHERE t.deployment_id = d.id AND t.state = 'success')
        THEN 'success' ELSE d.state END AS outcome,
      r.received_at AS receivedAt
    FROM deployments d LEFT JOIN deliveries r ON r.id = d.delivery_id
    WHERE d.finished_at >= ? ORDER BY d.finished_at, d.id`);
  return {
    deliveryEffects(deliveryId: string): DeliveryEffects {
      return {
        environments: (environmentsOf.all(deliveryId) as EnvironmentRow[]).map(toEnvironment),
        deployments: deploymentsOf.all(deliveryId) as Deployment[],
      };
    },
    finishedDeployments(since: number): FinishedDeployment[] {
      return finished.all(since) as FinishedDeployment[];
    },
  };
}
