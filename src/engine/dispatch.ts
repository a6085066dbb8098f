import type { Logger } from '../logger.js';
import { ESSENTIAL_EVENTS, normalize } from '../events/normalize.js';
import type { DomainEvent, PingEvent } from '../events/domain.js';
import type { Delivery, DispatchResult } from '../store/store.js';

/**
 * Turns one inbox row into its outcome: the payload is normalized to a domain event, and
 * the effects it has are returned for the store to apply together with the status.
 * Never throws: a payload that cannot be used marks the delivery `failed` with the reason.
 */
export function dispatchDelivery(delivery: Delivery, log: Logger, now: number): DispatchResult {
  let event: DomainEvent | null;
  try {
    event = normalize(delivery.event, JSON.parse(delivery.payload));
  } catch (error) {
    const reason = (error as Error).message;
    log.warn({ reason }, 'delivery failed: its payload cannot be used');
    return { id: delivery.id, status: 'failed', error: reason, processedAt: now };
  }
  if (event === null) {
    log.debug('delivery ignored: slipway does not use this event');
    return { id: delivery.id, status: 'ignored', error: null, processedAt: now };
  }
  const result: DispatchResult = { id: delivery.id, status: 'processed', error: null, processedAt: now };
  if (event.kind === 'ping') result.hook = hookOf(event, delivery, log, now);
  return result;
}

function hookOf(event: PingEvent, delivery: Delivery, log: Logger, now: number): DispatchResult['hook'] {
  const events = event.events ?? [];
  const missing = events.includes('*') ? [] : ESSENTIAL_EVENTS.filter((name) => !events.includes(name));
  const hookId = event.hookId === null ? delivery.hookId : String(event.hookId);
  if (missing.length > 0) {
    log.warn(
      { hookId, missing },
      `the webhook does not send ${missing.join(', ')}: select these events in its settings (or "Send me everything")`,
    );
  } else {
    log.info({ hookId }, 'webhook pinged: it sends every event slipway uses');
  }
  if (hookId === null) return undefined;
  return { id: hookId, type: event.hookType, events, repository: event.repository?.fullName ?? null, seenAt: now };
}
