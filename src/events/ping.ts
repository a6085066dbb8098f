import { z } from 'zod';
import { repositorySchema, userSchema, toRepository, type Covers, type OfficialPayload } from './common.js';
import type { PingEvent } from './domain.js';
import { parsePayload } from './parse.js';

// GitHub documents every ping field as optional; what is missing becomes null.
const pingSchema = z.object({
  hook_id: z.number().optional(),
  hook: z
    .object({ id: z.number(), type: z.string(), events: z.array(z.string()) })
    .optional(),
  zen: z.string().optional(),
  repository: repositorySchema.optional(),
  sender: userSchema.optional(),
  installation: z.object({ id: z.number() }).optional(),
});

export type GithubPingPayload = Covers<OfficialPayload<'ping'>, z.input<typeof pingSchema>>;

export function normalizePing(payload: unknown): PingEvent {
  const p = parsePayload('ping', pingSchema, payload);
  return {
    kind: 'ping',
    hookId: p.hook_id ?? p.hook?.id ?? null,
    hookType: p.hook?.type ?? null,
    events: p.hook?.events ?? null,
    zen: p.zen ?? null,
    repository: p.repository === undefined ? null : toRepository(p.repository),
    sender: p.sender?.login ?? null,
    installationId: p.installation?.id ?? null,
  };
}
