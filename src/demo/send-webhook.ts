import { randomUUID } from 'node:crypto';
import { SlipwayError } from '../errors.js';
import { sign } from '../ingest/signature.js';
import type { Webhook } from './payloads.js';

/**
 * Sends webhooks to slipway's endpoint (`…/webhooks/github`) the way GitHub does: JSON,
 * signed with HMAC-SHA256 of the body under `secret`, a fresh delivery id each. Resolves once
 * slipway accepted the delivery (202); throws with slipway's answer otherwise.
 */
export function webhookSender(endpoint: string, secret: string): (webhook: Webhook) => Promise<void> {
  return async ({ event, payload }) => {
    const body = Buffer.from(JSON.stringify(payload));
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/slipway-demo',
        'x-github-event': event,
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': sign(secret, body),
      },
      body,
    });
    const answer = await response.text();
    if (response.status !== 202) {
      throw new SlipwayError('webhook_refused', `slipway answered ${response.status} to the ${event} webhook: ${answer.slice(0, 300)}`);
    }
  };
}
