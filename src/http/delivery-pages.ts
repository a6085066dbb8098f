import type { Config } from '../config/schema.js';
import { InputError } from '../errors.js';
import { tryNormalizeText } from '../events/normalize.js';
import { explainEvent } from '../policy/explain.js';
import { PAYLOAD_REMOVED } from '../store/retention.js';
import type { EnvironmentStore, InboxStore } from '../store/store.js';
import { deliveriesPage, type DeliveryFilters, type DeliveryListing } from '../ui/deliveries-page.js';
import { deliveryPage, type Explained } from '../ui/delivery-page.js';
import { deliveryPath } from '../ui/delivery-parts.js';
import { deliveryQuery, findDelivery, nextCursor } from './api-routes.js';
import { actionRoute, pageRoute, type DashboardAccess } from './dashboard.js';
import { replayDelivery, type Requeued } from './replay-route.js';
import type { Route } from './server.js';

export interface DeliveryPageOptions {
  /** The running config (a reload changes it in place): what each rule decides. */
  config: Config;
  store: InboxStore & EnvironmentStore;
  access: DashboardAccess;
  requeued: Requeued;
}

/** How the explanation on a delivery's page names the config when no app matches. */
const CONFIG_NAME = "slipway's config";

/**
 * GET /deliveries — the inbox, filtered and paged as GET /api/deliveries is; GET /deliveries/:id —
 * one delivery, what each rule decides and what it changed; POST /deliveries/:id/replay — the
 * Replay button, doing what POST /api/deliveries/:id/replay does.
 */
export function deliveryPageRoutes({ config, store, access, requeued }: DeliveryPageOptions): Route[] {
  return [
    {
      method: 'GET',
      path: '/deliveries',
      handler: pageRoute(access, async ({ url }) => ({ title: 'Deliveries', section: 'deliveries', body: deliveriesPage(await listing(store, url.searchParams)) })),
    },
    {
      method: 'GET',
      path: /^\/deliveries\/([^/]+)$/,
      handler: pageRoute(access, async ({ viewer }, id = '') => {
        const delivery = await findDelivery(store, id);
        const normalized = delivery.payload === null ? { ok: false as const, reason: PAYLOAD_REMOVED } : tryNormalizeText(delivery.event, delivery.payload);
        const explained: Explained = normalized.ok
          ? { ok: true, explanation: explainEvent(delivery.event, normalized.event, config, CONFIG_NAME) }
          : { ok: false, reason: normalized.reason };
        const effects = await store.deliveryEffects(delivery.id);
        return { title: `Delivery ${delivery.id}`, section: 'deliveries', body: deliveryPage({ delivery, explained, effects, viewer }) };
      }),
    },
    {
      method: 'POST',
      path: /^\/deliveries\/([^/]+)\/replay$/,
      handler: actionRoute(access, (id = '') => deliveryPath(id), async (_action, id = '') => {
        await replayDelivery(store, requeued, id);
        return { to: deliveryPath(id), notice: `Delivery ${id} is queued to be dispatched again.` };
      }),
    },
  ];
}

/** The page of deliveries the URL asks for; a query that cannot be used is shown as the problem, with the form to fix it. */
async function listing(store: InboxStore, params: URLSearchParams): Promise<DeliveryListing> {
  const filters: DeliveryFilters = {
    event: params.get('event') ?? '',
    repo: params.get('repo') ?? '',
    status: params.get('status') ?? '',
    limit: params.get('limit') ?? '',
  };
  const older = params.has('before');
  try {
    const query = deliveryQuery(params);
    const deliveries = await store.listDeliveries(query);
    return { filters, deliveries, next: nextCursor(deliveries, query.limit), older, problem: null };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { filters, deliveries: [], next: null, older, problem: error.message };
  }
}
