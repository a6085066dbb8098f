import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError } from '../errors.js';
import { DELIVERY_STATUSES, type Delivery, type DeliveryQuery, type DeliveryStatus, type DeliverySummary, type InboxStore } from '../store/store.js';
import { sendJson } from './respond.js';

export const MAX_PAGE = 500;

/** GET /api/deliveries?event=&repo=&status=&limit=&before= — newest first, paged by `next`. */
export function listDeliveriesRoute(store: InboxStore) {
  return async (_request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    const query = deliveryQuery(url.searchParams);
    const deliveries = await store.listDeliveries(query);
    sendJson(response, 200, { deliveries, next: nextCursor(deliveries, query.limit) });
  };
}

/** GET /api/deliveries/:id — one delivery with its payload (null once retention removed it). */
export function getDeliveryRoute(store: InboxStore) {
  return async (_request: IncomingMessage, response: ServerResponse, _url: URL, id: string): Promise<void> => {
    const delivery = await findDelivery(store, id);
    sendJson(response, 200, { ...delivery, payload: delivery.payload === null ? null : (JSON.parse(delivery.payload) as unknown) });
  };
}

/** The delivery with its payload, or a 404 that names it. */
export async function findDelivery(store: InboxStore, id: string): Promise<Delivery> {
  const delivery = await store.getDelivery(id);
  if (delivery === null) throw new InputError('not_found', `no delivery with id ${JSON.stringify(id)}`, 404);
  return delivery;
}

/** The `before` of the next (older) page: the last delivery's sequence number when the page is full; else null. */
export function nextCursor(deliveries: DeliverySummary[], limit: number): string | null {
  const last = deliveries.at(-1);
  return deliveries.length === limit && last !== undefined ? String(last.seq) : null;
}

/** A listing's query parameters (`event`, `repo`, `status`, `limit`, `before`); a bad one is an `invalid_query` 400. */
export function deliveryQuery(params: URLSearchParams): DeliveryQuery {
  const query: DeliveryQuery = { limit: integer(params, 'limit', 50, 1, MAX_PAGE) };
  const event = params.get('event');
  if (event !== null && event !== '') query.event = event;
  const repository = params.get('repo');
  if (repository !== null && repository !== '') query.repository = repository;
  const status = params.get('status');
  if (status !== null && status !== '') {
    if (!DELIVERY_STATUSES.includes(status as DeliveryStatus)) {
      throw new InputError('invalid_query', `status must be one of: ${DELIVERY_STATUSES.join(', ')}`);
    }
    query.status = status as DeliveryStatus;
  }
  if (params.has('before')) query.beforeSeq = integer(params, 'before', 0, 1, Number.MAX_SAFE_INTEGER);
  return query;
}

export function integer(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError('invalid_query', `${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}
