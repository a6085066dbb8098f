import type { IncomingMessage, ServerResponse } from 'node:http';
import { SlipwayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { readBody } from '../ingest/body.js';
import { contentTypeOf, type Inbox } from '../ingest/inbox.js';
import type { Normalized } from '../events/normalize.js';
import type { Metrics, ReceiveOutcome } from '../metrics.js';
import { sendError, sendJson } from './respond.js';

const OUTCOME_BY_STATUS: Record<number, ReceiveOutcome> = {
  400: 'bad_request',
  401: 'unauthorized',
  413: 'too_large',
  415: 'unsupported_media_type',
};

export interface WebhookRouteOptions {
  inbox: Inbox;
  metrics: Metrics;
  log: Logger;
  /** Called after a new delivery is committed, with its payload normalized. */
  onAccepted: (id: string, normalized: Normalized) => void;
}

/** POST /webhooks/github: 202 only once the delivery is durable; 200 for a repeated id. */
export function webhookRoute(options: WebhookRouteOptions) {
  const { inbox, metrics, log, onAccepted } = options;
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = performance.now();
    let event = 'unverified';
    try {
      const type = contentTypeOf(request.headers);
      const body = await readBody(request);
      const { outcome, delivery, normalized } = await inbox.receive(request.headers, type, body);
      event = delivery.event;
      if (outcome === 'duplicate') {
        sendJson(response, 200, { id: delivery.id, duplicate: true });
      } else {
        sendJson(response, 202, { id: delivery.id, accepted: true });
        onAccepted(delivery.id, normalized);
      }
      metrics.received.inc({ event, outcome: outcome === 'duplicate' ? 'duplicate' : 'accepted' });
    } catch (error) {
      const status = error instanceof SlipwayError ? error.status : 500;
      const code = error instanceof SlipwayError ? error.code : 'internal_error';
      if (status === 413) {
        // The rest of the body is not kept: answer, half-close, and drop the connection if
        // the client keeps sending. No `Connection: close` header: with it node closes the
        // socket as soon as the answer is written, and closing over unread bytes sends a
        // reset that can destroy the answer before the client reads it. Without it node
        // discards what still arrives until the drop (a lingering close).
        sendError(response, error);
        response.on('finish', () => {
          request.socket.end();
          setTimeout(() => request.destroy(), 2000).unref();
        });
      } else {
        sendError(response, error, status === 503 ? { 'retry-after': '1' } : {});
      }
      if (code === 'busy') log.warn('webhook delivery refused: too many waiting for their commit');
      else if (status >= 500) log.error({ err: error }, 'webhook delivery could not be stored');
      else log.info({ status, code }, 'webhook request refused');
      metrics.received.inc({ event, outcome: code === 'busy' ? 'busy' : (OUTCOME_BY_STATUS[status] ?? 'error') });
    }
    metrics.ackSeconds.observe((performance.now() - started) / 1000);
  };
}
