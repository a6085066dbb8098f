// Compile-time tests, checked by `tsc` (not run): `Covers` accepts a schema input type that takes
// every documented payload and refuses one that is stricter than GitHub's documentation.
import type { z } from 'zod';
import type { Covers, OfficialPayload } from '../../src/events/common.js';

type Documented = { sha: string | null; note?: string; extra: number };

export type Lenient = Covers<Documented, { sha: string | null; note?: string | undefined }>;
// @ts-expect-error GitHub documents `sha: null`; a schema refusing it must not compile
export type RejectsNull = Covers<Documented, { sha: string }>;
// @ts-expect-error GitHub documents `note` as optional; a schema requiring it must not compile
export type RequiresOptional = Covers<Documented, { note: string }>;

// Over the union of pull_request actions, some document `pull_request.head.repo: null` (deleted fork).
type StrictHead = z.ZodObject<{
  pull_request: z.ZodObject<{ head: z.ZodObject<{ repo: z.ZodObject<{ id: z.ZodNumber }> }> }>;
}>;
// @ts-expect-error the action union includes payloads whose head repository is null
export type StrictHeadRejected = Covers<OfficialPayload<'pull-request'>, z.input<StrictHead>>;
