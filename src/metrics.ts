import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GitHubMetrics } from './github/request-metrics.js';
import type { EnvironmentStore, InboxStore } from './store/store.js';

/** Outcomes of a POST to the webhook endpoint, as counted in `slipway_deliveries_received_total`. */
export const RECEIVE_OUTCOMES = [
  'accepted',
  'duplicate',
  'unauthorized',
  'too_large',
  'unsupported_media_type',
  'bad_request',
  'busy',
  'error',
] as const;
export type ReceiveOutcome = (typeof RECEIVE_OUTCOMES)[number];

export interface Metrics extends GitHubMetrics {
  registry: Registry;
  received: Counter<'event' | 'outcome'>;
  ackSeconds: Histogram;
  dispatched: Counter<'event' | 'status'>;
  dispatchLagSeconds: Histogram;
  /** Deployments finished, by outcome (success, failure, error, inactive). */
  deployments: Counter<'outcome'>;
  /** From the webhook that asked for a change to its deployment starting. */
  deployStartSeconds: Histogram;
  /** Connections closed as soon as accepted because their listener (server, router) was full. */
  connectionsRefused: Counter<'listener'>;
  /** Sleeping environments woken by a request, by outcome (woken, failed). */
  wakes: Counter<'outcome'>;
  /** From a request reaching a sleeping environment to its release being healthy again. */
  wakeSeconds: Histogram;
}

/** One registry per service instance (no global state), read by GET /metrics. */
export function createMetrics(store: Pick<InboxStore, 'backlog'> & Pick<EnvironmentStore, 'listEnvironments'>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'slipway_process_' });
  const received = new Counter({
    name: 'slipway_deliveries_received_total',
    help: 'Webhook requests by event and outcome (event is "unverified" before the signature is checked)',
    labelNames: ['event', 'outcome'] as const,
    registers: [registry],
  });
  const ackSeconds = new Histogram({
    name: 'slipway_delivery_ack_seconds',
    help: 'Time from the webhook request to its answer, including the durable commit',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const dispatched = new Counter({
    name: 'slipway_deliveries_dispatched_total',
    help: 'Deliveries dispatched, by event and resulting status',
    labelNames: ['event', 'status'] as const,
    registers: [registry],
  });
  const dispatchLagSeconds = new Histogram({
    name: 'slipway_dispatch_lag_seconds',
    help: 'Time from receiving a delivery to dispatching it',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [registry],
  });
  new Gauge({
    name: 'slipway_inbox_backlog',
    help: 'Deliveries received and not yet dispatched',
    registers: [registry],
    async collect() {
      this.set((await store.backlog()).pending);
    },
  });
  new Gauge({
    name: 'slipway_inbox_oldest_pending_seconds',
    help: 'Age of the oldest delivery not yet dispatched (0 when none)',
    registers: [registry],
    async collect() {
      const { oldestReceivedAt } = await store.backlog();
      this.set(oldestReceivedAt === null ? 0 : (Date.now() - oldestReceivedAt) / 1000);
    },
  });
  const deployments = new Counter({
    name: 'slipway_deployments_total',
    help: 'Deployments finished, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const deployStartSeconds = new Histogram({
    name: 'slipway_webhook_to_deploy_start_seconds',
    help: 'Time from the webhook that changed an environment to its deployment starting',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const wakes = new Counter({
    name: 'slipway_environment_wakes_total',
    help: 'Sleeping environments woken by a request, by outcome (woken, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const wakeSeconds = new Histogram({
    name: 'slipway_environment_wake_seconds',
    help: 'Time from a request reaching a sleeping environment to its release being healthy again',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  new Gauge({
    name: 'slipway_environments',
    help: 'Environments by state (destroyed ones included)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const env of await store.listEnvironments({ includeDestroyed: true })) this.inc({ state: env.state });
    },
  });
  const githubRequests = new Counter({
    name: 'slipway_github_requests_total',
    help: 'Requests to the GitHub API, by method and status (error: no answer)',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const githubRateLimitRemaining = new Gauge({
    name: 'slipway_github_rate_limit_remaining',
    help: 'Requests left in the current GitHub rate-limit window, by resource, from the latest answer',
    labelNames: ['resource'] as const,
    registers: [registry],
  });
  const connectionsRefused = new Counter({
    name: 'slipway_connections_refused_total',
    help: 'Connections closed as soon as accepted because their listener (server, router) held its maxConnections',
    labelNames: ['listener'] as const,
    registers: [registry],
  });
  for (const listener of ['server', 'router']) connectionsRefused.inc({ listener }, 0);
  return { registry, received, connectionsRefused, ackSeconds, dispatched, dispatchLagSeconds, deployments, deployStartSeconds, wakes, wakeSeconds, githubRequests, githubRateLimitRemaining };
}
