import { z } from 'zod';
import { envelope, envelopeShape, urlOrNull, type Covers, type OfficialPayload } from './common.js';
import type { StatusEvent } from './domain.js';
import { parsePayload } from './parse.js';

const statusSchema = z.object({
  ...envelopeShape,
  id: z.number(),
  sha: z.string(),
  context: z.string(),
  state: z.string(),
  description: z.string().nullable(),
  target_url: z.string().nullable(),
  branches: z.array(z.object({ name: z.string() })),
});

export type GithubStatusPayload = Covers<OfficialPayload<'status'>, z.input<typeof statusSchema>>;

export function normalizeStatus(payload: unknown): StatusEvent {
  const p = parsePayload('status', statusSchema, payload);
  return {
    kind: 'status',
    ...envelope(p),
    id: p.id,
    sha: p.sha,
    context: p.context,
    state: p.state,
    description: p.description,
    targetUrl: urlOrNull(p.target_url),
    branches: p.branches.map((branch) => branch.name),
  };
}
