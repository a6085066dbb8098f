import { InputError } from '../errors.js';

/**
 * A payload of an event slipway uses lacks a field it needs, or has it with the wrong type.
 * The message names the event and short field paths only, never payload text:
 * `pull_request payload: pull_request.head.sha: required`.
 */
export class PayloadError extends InputError {
  readonly event: string;

  constructor(event: string, reason: string) {
    super('payload_invalid', `${event} payload: ${reason}`, 400);
    this.event = event;
  }
}
