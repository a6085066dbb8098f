import * as z from 'zod';
import { DEFAULT_NOTIFICATION_EVENTS, NOTIFICATION_EVENTS, type NotificationEvent } from '../domain/notifications.js';
import { always, isRecord, quotable, quotingIssue, strict, uniqueList, uniqueNames } from './fields.js';

/** The bodies slipway can send: each chat service's incoming-webhook format, or its own JSON. */
export const NOTIFICATION_FORMATS = ['slack', 'discord', 'teams', 'json'] as const;
export type NotificationFormat = (typeof NOTIFICATION_FORMATS)[number];

/** A receiver of notifications: `notifications[]` in the config. `url` and `secret` are secrets, never shown. */
export interface ReceiverConfig {
  name: string;
  url: string;
  format: NotificationFormat;
  on: NotificationEvent[];
  /** App names; null: every app. */
  apps: string[] | null;
  /** Globs on environment names (`pr-*`); null: every environment. */
  environments: string[] | null;
  /** Signs `json` bodies (`X-Slipway-Signature-256`). */
  secret: string | null;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Never quotes the value: a chat webhook's URL is a credential. */
const receiverUrl = z.string().superRefine((value, ctx) => {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    ctx.addIssue({ code: 'custom', message: 'expected an absolute http(s) URL, such as the incoming-webhook URL the chat service gave' });
  } else if (url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not carry a user or password; a json receiver can check the signature made with secret instead' });
  }
});

/** Environment names are DNS labels; `*` matches any run of characters in one. */
const environmentGlob = z.string().regex(/^[a-z0-9*-]{1,63}$/, 'expected an environment name or a glob such as pr-* (names are lowercase a-z, 0-9 and "-")');

const receiver = strict({
  name: z.string().regex(NAME, 'expected 1 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-"'),
  url: receiverUrl,
  format: z.enum(NOTIFICATION_FORMATS).default('json'),
  on: uniqueList(z.enum(NOTIFICATION_EVENTS), `must not be an empty list; remove on for the default (${DEFAULT_NOTIFICATION_EVENTS.join(', ')})`)
    .default([...DEFAULT_NOTIFICATION_EVENTS]),
  apps: uniqueList(z.string().min(1), 'must not be an empty list; remove apps to hear of every app').optional(),
  environments: uniqueList(environmentGlob, 'must not be an empty list; remove environments to hear of every environment').optional(),
  secret: z.string().min(1, 'must not be empty; remove secret to send json unsigned').optional(),
}).superRefine((value, ctx) => {
  if (isRecord(value) && value.secret !== undefined && value.format !== 'json') {
    const format = typeof value.format === 'string' && quotable(value.format) ? value.format : 'this format';
    ctx.addIssue({ code: 'custom', path: ['secret'], message: `signs json bodies only; ${format} does not send it: remove secret, or use format: json` });
  }
}, { when: always }).transform(({ apps, environments, secret, ...rest }): ReceiverConfig => ({
  ...rest,
  apps: apps ?? null,
  environments: environments ?? null,
  secret: secret ?? null,
}));

export const notificationsSchema = z.array(receiver).superRefine(
  uniqueNames((first) => `another receiver (notifications[${first}]) has the same name; names must be unique`),
  { when: always },
);

/** On the whole config: a receiver's `apps` must name configured apps. */
export function checkReceiverApps(value: unknown, ctx: z.core.$RefinementCtx): void {
  if (!isRecord(value) || !Array.isArray(value.notifications) || !Array.isArray(value.apps)) return;
  const names = value.apps.flatMap((app: unknown) => (isRecord(app) && typeof app.name === 'string' ? [app.name] : []));
  const expected = names.length === 0 ? 'no apps are configured' : `expected one of: ${names.join(', ')}`;
  value.notifications.forEach((item: unknown, index) => {
    if (!isRecord(item) || !Array.isArray(item.apps)) return;
    item.apps.forEach((app: unknown, position) => {
      if (typeof app !== 'string' || names.includes(app)) return;
      const path = ['notifications', index, 'apps', position];
      ctx.addIssue(quotable(app) ? quotingIssue(`unknown app "${app}"; ${expected}`, `unknown app; ${expected}`, path) : { code: 'custom', path, message: `unknown app; ${expected}` });
    });
  });
}
