import { z } from 'zod';
import { envelope, envelopeShape, fromFullRef, userSchema, type Covers, type OfficialPayload } from './common.js';
import type { PushEvent } from './domain.js';
import { parsePayload } from './parse.js';

const pushSchema = z.object({
  ...envelopeShape,
  sender: userSchema.optional(), // documented as optional on push
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  created: z.boolean(),
  deleted: z.boolean(),
  forced: z.boolean(),
  base_ref: z.string().nullable(),
  compare: z.string(),
});

export type GithubPushPayload = Covers<OfficialPayload<'push'>, z.input<typeof pushSchema>>;

export function normalizePush(payload: unknown): PushEvent {
  const p = parsePayload('push', pushSchema, payload);
  return {
    kind: 'push',
    ...envelope(p),
    ...fromFullRef(p.ref),
    before: p.before,
    after: p.after,
    created: p.created,
    deleted: p.deleted,
    forced: p.forced,
    baseRef: p.base_ref,
    compareUrl: p.compare,
  };
}
