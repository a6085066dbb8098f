import type { DeliverySummary } from '../store/store.js';
import { html, type Html } from './html.js';

/** `pull_request.opened`, or `push` for an event without an action. */
export function eventText(delivery: Pick<DeliverySummary, 'event' | 'action'>): string {
  return delivery.action === null ? delivery.event : `${delivery.event}.${delivery.action}`;
}

/** A delivery's page. */
export function deliveryPath(id: string): string {
  return `/deliveries/${encodeURIComponent(id)}`;
}

/** A state as its word, coloured by its class (the word carries it without colour). */
export function stateWord(state: string): Html {
  return html`<span class="state s-${state}">${state}</span>`;
}
