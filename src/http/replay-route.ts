import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError } from '../errors.js';
import { tryNormalizeText, type Normalized } from '../events/normalize.js';
import { PAYLOAD_REMOVED } from '../store/retention.js';
import type { InboxStore } from '../store/store.js';
import { findDelivery } from './api-routes.js';
import { sendJson } from './respond.js';

/** Hands a delivery to the dispatcher, the way ingest hands it new ones. */
export type Requeued = (id: string, normalized: Normalized) => void;

/**
 * POST /api/deliveries/:id/replay — a finished delivery goes back to pending and is
 * dispatched again (see replayDelivery).
 */
export function replayDeliveryRoute(store: InboxStore, requeued: Requeued) {
  return async (_request: IncomingMessage, response: ServerResponse, _url: URL, id: string): Promise<void> => {
    await replayDelivery(store, requeued, id);
    sendJson(response, 202, { accepted: true });
  };
}

/**
 * Replays a delivery (the API, `slipway replay`, the dashboard's Replay button): a finished one
 * goes back to pending and to the dispatcher; unknown is a 404, still pending a 409, one whose
 * payload retention removed a 410, each saying why.
 */
export async function replayDelivery(store: InboxStore, requeued: Requeued, id: string): Promise<void> {
  const delivery = await findDelivery(store, id);
  if (delivery.payload === null) throw new InputError('payload_removed', `delivery ${id} cannot be replayed: ${PAYLOAD_REMOVED}`, 410);
  if (delivery.status === 'pending' || !(await store.requeueDelivery(id))) {
    throw new InputError('still_pending', `delivery ${id} is still pending: it will be dispatched, there is nothing to replay yet`, 409);
  }
  requeued(id, tryNormalizeText(delivery.event, delivery.payload));
}
