import { z } from 'zod';
import { envelope, envelopeShape, userSchema, type Covers, type OfficialPayload } from './common.js';
import type { ReleaseEvent } from './domain.js';
import { parsePayload } from './parse.js';

const releaseSchema = z.object({
  ...envelopeShape,
  sender: userSchema.optional(), // documented as optional on some release actions
  action: z.string(),
  release: z.object({
    tag_name: z.string(),
    name: z.string().nullable(),
    prerelease: z.boolean(),
    draft: z.boolean(),
    html_url: z.string(),
  }),
});

export type GithubReleasePayload = Covers<OfficialPayload<'release'>, z.input<typeof releaseSchema>>;

export function normalizeRelease(payload: unknown): ReleaseEvent {
  const p = parsePayload('release', releaseSchema, payload);
  const r = p.release;
  return {
    kind: 'release',
    ...envelope(p),
    action: p.action,
    tag: r.tag_name,
    name: r.name,
    prerelease: r.prerelease,
    draft: r.draft,
    htmlUrl: r.html_url,
  };
}
