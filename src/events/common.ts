import { z } from 'zod';
import type { operations } from '@octokit/openapi-webhooks-types';
import { REF_TYPES, type EventEnvelope, type GitRef, type RefType, type Repository } from './domain.js';

/**
 * Compiles only when every payload GitHub documents (`Official`, from
 * `@octokit/openapi-webhooks-types`) is accepted by a schema's input type (`Input`), so a schema
 * stricter than GitHub's own description fails `tsc` rather than live deliveries.
 * Evaluates to `Official`.
 */
export type Covers<Official extends Input, Input> = Official;

/**
 * The payload GitHub documents for an event, as the union over all of its actions:
 * `OfficialPayload<'pull-request'>` is `webhook-pull-request-opened | …-closed | …` (every
 * `pull-request/<action>` operation), so an action added upstream is checked without edits here.
 */
export type OfficialPayload<Event extends string> = {
  [K in keyof operations]: K extends Event | `${Event}/${string}`
    ? operations[K]['requestBody']['content']['application/json']
    : never;
}[keyof operations];

/** The repository fields slipway reads; GitHub sends many more, which are ignored. */
export const repositorySchema = z.object({
  id: z.number(),
  full_name: z.string(),
  clone_url: z.string(),
  html_url: z.string(),
  default_branch: z.string(),
  private: z.boolean(),
});

export const userSchema = z.object({ login: z.string() });

/** Fields of most repository events: the repository, who acted, and the App installation. */
export const envelopeShape = {
  repository: repositorySchema,
  sender: userSchema,
  installation: z.object({ id: z.number() }).optional(),
};

type Envelope = {
  repository: z.output<typeof repositorySchema>;
  sender?: z.output<typeof userSchema> | undefined;
  installation?: { id: number } | undefined;
};

export function toRepository(repo: z.output<typeof repositorySchema>): Repository {
  return {
    fullName: repo.full_name,
    cloneUrl: repo.clone_url,
    htmlUrl: repo.html_url,
    defaultBranch: repo.default_branch,
    private: repo.private,
  };
}

/** The `repository`, `sender` and `installationId` fields every repository event carries. */
export function envelope(payload: Envelope): EventEnvelope {
  return {
    repository: toRepository(payload.repository),
    sender: payload.sender?.login ?? null,
    installationId: payload.installation?.id ?? null,
  };
}

/** `pull_requests` on check and workflow events: only the numbers (GitHub lists same-repo PRs). */
export const pullRequestNumbersSchema = z.array(z.object({ number: z.number() }).nullable());

export function pullRequestNumbers(prs: z.output<typeof pullRequestNumbersSchema>): number[] {
  return prs.flatMap((pr) => (pr === null ? [] : [pr.number]));
}

/** GitHub sends `""` for some unset URLs (e.g. `target_url`); the domain uses null for both. */
export function urlOrNull(url: string | null | undefined): string | null {
  return url === undefined || url === null || url === '' ? null : url;
}

const REF_PREFIXES = { branch: 'refs/heads/', tag: 'refs/tags/' } as const satisfies Record<RefType, string>;

/** `refs/heads/x` → branch `x`, `refs/tags/v1` → tag `v1`; any other ref keeps its full name. */
export function fromFullRef(ref: string): GitRef {
  for (const refType of REF_TYPES) {
    const prefix = REF_PREFIXES[refType];
    if (ref.startsWith(prefix) && ref.length > prefix.length) {
      return { ref, refType, refName: ref.slice(prefix.length) };
    }
  }
  return { ref, refType: null, refName: ref };
}

/** `create`/`delete` send the short name and its type; rebuild the full ref. */
export function fromShortRef<T extends RefType>(refType: T, refName: string): GitRef & { refType: T } {
  return { ref: REF_PREFIXES[refType] + refName, refType, refName };
}
