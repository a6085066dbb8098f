import type { Logger } from '../logger.js';
import { ESSENTIAL_EVENTS, type Normalized } from '../events/normalize.js';
import type { DomainEvent, PingEvent } from '../events/domain.js';
import type { Intent, PolicyResult } from '../policy/policy.js';
import type { EnvironmentChange } from '../domain/environments.js';
import type { DeliverySummary, DispatchResult } from '../store/store.js';

/** Policy as the dispatcher sees it: what an event asks of the environments, and the CI result it reports. */
export type Policy = (event: DomainEvent) => Pick<PolicyResult, 'intents' | 'signal' | 'approval' | 'command'>;

/**
 * Turns one inbox row, its payload normalized, into its outcome: the status and the effects
 * the store applies together with it. A payload that cannot be used marks it `failed`.
 */
export function dispatchDelivery(
  delivery: DeliverySummary,
  normalized: Normalized,
  policy: Policy,
  log: Logger,
  now: number,
): DispatchResult {
  if (!normalized.ok) {
    log.warn({ reason: normalized.reason }, 'delivery failed: its payload cannot be used');
    return { id: delivery.id, status: 'failed', error: normalized.reason, processedAt: now };
  }
  const { event } = normalized;
  if (event === null) {
    log.debug('delivery ignored: slipway does not use this event');
    return { id: delivery.id, status: 'ignored', error: null, processedAt: now };
  }
  const result: DispatchResult = { id: delivery.id, status: 'processed', error: null, processedAt: now };
  if (event.kind === 'ping') result.hook = hookOf(event, delivery, log, now);
  const { intents, signal, approval, command } = policy(event);
  if (command !== null) {
    result.commands = [command];
    log.info({ pr: command.pr, command: command.text, by: command.login, refused: command.refusal ?? undefined }, 'pull request command received');
  }
  if (approval !== null) {
    result.approvals = [approval];
    log.info({ pr: approval.pr, approval: approval.kind }, approval.kind === 'request' ? 'fork preview approval requested' : 'fork preview awaits approval of its head');
  }
  if (signal !== null) {
    result.signals = [{ signal: { ...signal.report, receivedAt: delivery.receivedAt }, apps: signal.apps }];
    log.debug({ sha: signal.report.sha, signal: `${signal.report.kind} ${signal.report.name}`, state: signal.report.state }, 'CI signal');
  }
  const changes = intents.map(toChange);
  if (changes.length > 0) {
    result.changes = changes;
    log.info({ changes: changes.map((change) => `${change.kind} ${change.app}/${change.env}`) }, 'environments change');
  }
  return result;
}

/** An intent as the store applies it: a follow names its sha as a hint. */
export function toChange(intent: Intent): EnvironmentChange {
  if (intent.kind !== 'follow') return intent;
  const { sha, ...rest } = intent;
  return { ...rest, shaHint: sha };
}

function hookOf(event: PingEvent, delivery: DeliverySummary, log: Logger, now: number): DispatchResult['hook'] {
  const hookId = event.hookId === null ? delivery.hookId : String(event.hookId);
  if (event.events === null) {
    log.info({ hookId }, 'webhook pinged without its settings; cannot tell which events it sends');
  } else {
    const events = event.events;
    // A hook always sends ping; "*" is "Send me everything". Comments matter only to commands and forks: approve.
    const missing = events.includes('*')
      ? []
      : ESSENTIAL_EVENTS.filter((name) => name !== 'ping' && name !== 'issue_comment' && !events.includes(name));
    if (missing.length > 0) {
      log.warn(
        { hookId, missing },
        `the webhook does not send ${missing.join(', ')}: select these events in its settings (or "Send me everything")`,
      );
    } else {
      log.info({ hookId }, 'webhook pinged: it sends every event slipway uses');
    }
  }
  if (hookId === null) return undefined;
  return {
    id: hookId,
    type: event.hookType,
    events: event.events ?? [],
    repository: event.repository?.fullName ?? null,
    seenAt: now,
  };
}
