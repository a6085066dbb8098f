import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError } from '../errors.js';
import type { Notifier } from '../notify/notifier.js';
import { NOTIFICATION_STATES, type NotificationQuery, type NotificationState } from '../store/notifications.js';
import type { NotificationStore } from '../store/store.js';
import { integer, MAX_PAGE } from './api-routes.js';
import { sendJson } from './respond.js';
import type { Route } from './server.js';

/** What the API asks of the notifier: resend a notification, test a receiver. */
export type NotificationDesk = Pick<Notifier, 'resend' | 'test' | 'receivers'>;

/**
 * The notifications API: list them (`?state=failed` for those that failed for good, with the
 * receiver's last answer), show one, resend one, and send a receiver a test. Receivers are
 * named, never shown by URL or secret.
 */
export function notificationRoutes(store: Pick<NotificationStore, 'listNotifications' | 'getNotification'>, desk: NotificationDesk): Route[] {
  return [
    { method: 'GET', path: '/api/notifications', private: true, handler: listRoute(store) },
    { method: 'GET', path: /^\/api\/notifications\/([^/]+)$/, private: true, handler: getRoute(store) },
    { method: 'POST', path: /^\/api\/notifications\/([^/]+)\/resend$/, private: true, handler: resendRoute(store, desk) },
    { method: 'POST', path: /^\/api\/receivers\/([^/]+)\/test$/, private: true, handler: testRoute(desk) },
  ];
}

/** GET /api/notifications?state=&receiver=&limit=&before= — newest first, paged by `next`. */
function listRoute(store: Pick<NotificationStore, 'listNotifications'>) {
  return async (_request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    const params = url.searchParams;
    const query: NotificationQuery = { limit: integer(params, 'limit', 50, 1, MAX_PAGE) };
    const state = params.get('state');
    if (state !== null && state !== '') {
      if (!NOTIFICATION_STATES.includes(state as NotificationState)) throw new InputError('invalid_query', `state must be one of: ${NOTIFICATION_STATES.join(', ')}`);
      query.state = state as NotificationState;
    }
    const receiver = params.get('receiver');
    if (receiver !== null && receiver !== '') query.receiver = receiver;
    const before = params.get('before');
    if (before !== null && before !== '') query.before = before;
    const notifications = await store.listNotifications(query);
    const last = notifications.at(-1);
    sendJson(response, 200, { notifications, next: notifications.length === query.limit && last !== undefined ? last.id : null });
  };
}

/** GET /api/notifications/:id */
function getRoute(store: Pick<NotificationStore, 'getNotification'>) {
  return async (_request: IncomingMessage, response: ServerResponse, _url: URL, id: string): Promise<void> => {
    const notification = await store.getNotification(id);
    if (notification === null) throw notFound(id);
    sendJson(response, 200, notification);
  };
}

/** POST /api/notifications/:id/resend — a failed notification is tried again now, with the same id. */
function resendRoute(store: Pick<NotificationStore, 'getNotification'>, desk: NotificationDesk) {
  return async (_request: IncomingMessage, response: ServerResponse, _url: URL, id: string): Promise<void> => {
    const outcome = await desk.resend(id);
    if (outcome === 'resent') return sendJson(response, 202, { resent: true, id });
    const notification = await store.getNotification(id);
    if (outcome === 'unknown' || notification === null) throw notFound(id);
    if (outcome === 'no_receiver') {
      throw new InputError('no_receiver', `notification ${id} is for receiver ${notification.receiver}, which is no longer in the config; add it back and restart slipway to resend it`, 409);
    }
    throw new InputError('not_failed', `notification ${id} is ${notification.state}: only a failed notification can be resent`, 409);
  };
}

/** POST /api/receivers/:name/test — a sample notification, sent now; the answer is the receiver's. */
function testRoute(desk: NotificationDesk) {
  return async (_request: IncomingMessage, response: ServerResponse, _url: URL, name: string): Promise<void> => {
    const result = await desk.test(name);
    if (result === null) {
      const known = desk.receivers.length === 0 ? 'no receivers are configured (notifications: in the config)' : `expected one of: ${desk.receivers.join(', ')}`;
      throw new InputError('not_found', `no receiver named ${JSON.stringify(name)}; ${known}`, 404);
    }
    sendJson(response, 200, result);
  };
}

const notFound = (id: string) => new InputError('not_found', `no notification with id ${JSON.stringify(id)}`, 404);
