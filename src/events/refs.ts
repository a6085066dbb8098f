import { z } from 'zod';
import { envelope, envelopeShape, fromShortRef, type Covers, type OfficialPayload } from './common.js';
import { REF_TYPES, type CreateEvent, type DeleteEvent } from './domain.js';
import { parsePayload } from './parse.js';

/** `create` and `delete` share a shape: a short ref name and whether it is a branch or a tag. */
const refSchema = z.object({
  ...envelopeShape,
  ref: z.string(),
  ref_type: z.enum(REF_TYPES),
});

export type GithubCreatePayload = Covers<OfficialPayload<'create'>, z.input<typeof refSchema>>;
export type GithubDeletePayload = Covers<OfficialPayload<'delete'>, z.input<typeof refSchema>>;

export function normalizeCreate(payload: unknown): CreateEvent {
  const p = parsePayload('create', refSchema, payload);
  return { kind: 'create', ...envelope(p), ...fromShortRef(p.ref_type, p.ref) };
}

export function normalizeDelete(payload: unknown): DeleteEvent {
  const p = parsePayload('delete', refSchema, payload);
  return { kind: 'delete', ...envelope(p), ...fromShortRef(p.ref_type, p.ref) };
}
