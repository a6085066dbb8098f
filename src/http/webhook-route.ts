import type { IncomingMessage, ServerResponse } from 'node:http';
import { Gauge } from 'prom-client';
import { SlipwayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { declaredLength, readBody } from '../ingest/body.js';
import { UnverifiedBudget } from '../ingest/budget.js';
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

/** Refusals that mean "try again shortly": GitHub's redelivery, or the sender, can. */
const BUSY_CODES = new Set(['busy', 'ingest_busy']);

export interface WebhookRouteOptions {
  inbox: Inbox;
  metrics: Metrics;
  log: Logger;
  /** server.maxBodySize, in bytes. */
  maxBodyBytes: number;
  /** server.maxUnverifiedBytes: bytes of bodies not yet verified held at once, across connections. */
  maxUnverifiedBytes: number;
  /** Called after a new delivery is committed, with its payload normalized. */
  onAccepted: (id: string, normalized: Normalized) => void;
}

/**
 * POST /webhooks/github: 202 only once the delivery is durable; 200 for a repeated id. What an
 * unauthenticated client can make slipway hold is bounded: no body is read without a
 * well-formed signature header, the signature is computed as the body arrives, and the bytes
 * of bodies not yet verified share one budget (503 past it).
 */
export function webhookRoute(options: WebhookRouteOptions) {
  const { inbox, metrics, log, onAccepted, maxBodyBytes } = options;
  const budget = new UnverifiedBudget(options.maxUnverifiedBytes);
  new Gauge({
    name: 'slipway_ingest_unverified_bytes',
    help: 'Bytes of webhook bodies being received whose signature is not checked yet',
    registers: [metrics.registry],
    collect() {
      this.set(budget.held);
    },
  });
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = performance.now();
    let event = 'unverified';
    try {
      const type = contentTypeOf(request.headers);
      const signature = inbox.signatureCheck(request.headers);
      const declared = declaredLength(request);
      // A declared length over the limit holds nothing: readBody refuses it (413) at once.
      const hold = budget.hold(declared > maxBodyBytes ? 0 : declared);
      const body = await readBody(request, maxBodyBytes, (chunk, size) => {
        hold.cover(size);
        signature?.update(chunk);
      }).finally(() => hold.release());
      const { outcome, delivery, normalized } = await inbox.receive(request.headers, type, body, signature);
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
      if (!request.complete) closeUnread(request, response);
      sendError(response, error, status === 503 ? { 'retry-after': '1' } : {});
      if (code === 'busy') log.warn('webhook delivery refused: too many waiting for their commit');
      else if (code === 'ingest_busy') log.warn('webhook request refused: too many bodies not yet verified');
      else if (status >= 500) log.error({ err: error }, 'webhook delivery could not be stored');
      else log.info({ status, code }, 'webhook request refused');
      metrics.received.inc({ event, outcome: BUSY_CODES.has(code) ? 'busy' : (OUTCOME_BY_STATUS[status] ?? 'error') });
    }
    metrics.ackSeconds.observe((performance.now() - started) / 1000);
  };
}

/**
 * The rest of a refused body is not read: after the answer, half-close, and drop the
 * connection if the client keeps sending (a lingering close). Node must not close the socket
 * itself once the answer is written, as it does for a request that said `Connection: close`:
 * closing over unread bytes sends a reset that can destroy the answer before the client reads
 * it. Kept "alive" until then, node discards what still arrives.
 */
function closeUnread(request: IncomingMessage, response: ServerResponse): void {
  response.shouldKeepAlive = true;
  response.on('finish', () => {
    request.socket.end();
    setTimeout(() => request.destroy(), 2000).unref();
  });
}
