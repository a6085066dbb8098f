import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError } from '../errors.js';
import { tryNormalizeText, type Normalized } from '../events/normalize.js';
import type { InboxStore } from '../store/store.js';
import { sendJson } from './respond.js';

/**
 * POST /api/deliveries/:id/replay — a finished delivery goes back to pending and is
 * dispatched again. `requeued` hands it to the dispatcher the way ingest hands new ones.
 */
export function replayDeliveryRoute(store: InboxStore, requeued: (id: string, normalized: Normalized) => void) {
  return async (_request: IncomingMessage, response: ServerResponse, _url: URL, id: string): Promise<void> => {
    const delivery = await store.getDelivery(id);
    if (delivery === null) throw new InputError('not_found', `no delivery with id ${JSON.stringify(id)}`, 404);
    if (delivery.status === 'pending' || !(await store.requeueDelivery(id))) {
      throw new InputError('still_pending', `delivery ${id} is still pending: it will be dispatched, there is nothing to replay yet`, 409);
    }
    requeued(id, tryNormalizeText(delivery.event, delivery.payload));
    sendJson(response, 202, { accepted: true });
  };
}
