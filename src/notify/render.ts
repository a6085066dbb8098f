import type { NotificationFormat, ReceiverConfig } from '../config/schema.js';
import { sign } from '../ingest/signature.js';
import { discordBody } from './formats/discord.js';
import { jsonBody } from './formats/json.js';
import { slackBody } from './formats/slack.js';
import { teamsBody } from './formats/teams.js';
import { eventName, type Outgoing } from './message.js';

const FORMATS: Record<NotificationFormat, (outgoing: Outgoing) => unknown> = {
  slack: slackBody,
  discord: discordBody,
  teams: teamsBody,
  json: jsonBody,
};

/** The request for one receiver: its format's body, and the headers every try repeats. */
export interface Rendered {
  body: string;
  headers: Record<string, string>;
}

/**
 * Every format carries `X-Slipway-Event` and `X-Slipway-Delivery` (the stable id receivers
 * dedupe on); a json receiver with a secret gets `X-Slipway-Signature-256: sha256=<hex>`, the
 * HMAC-SHA256 of the exact body with the secret, as GitHub signs its webhooks.
 */
export function render(receiver: Pick<ReceiverConfig, 'format' | 'secret'>, outgoing: Outgoing): Rendered {
  const body = JSON.stringify(FORMATS[receiver.format](outgoing));
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'slipway-notify/1',
    'x-slipway-event': eventName(outgoing),
    'x-slipway-delivery': outgoing.id,
  };
  if (receiver.format === 'json' && receiver.secret !== null) headers['x-slipway-signature-256'] = sign(receiver.secret, Buffer.from(body));
  return { body, headers };
}
