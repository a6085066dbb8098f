import { z } from 'zod';
import { envelope, envelopeShape, type Covers, type OfficialPayload } from './common.js';
import type { PullRequestEvent } from './domain.js';
import { parsePayload } from './parse.js';

const branchSchema = z.object({
  ref: z.string(),
  sha: z.string(),
  repo: z.object({ id: z.number(), full_name: z.string() }),
});

const pullRequestSchema = z.object({
  ...envelopeShape,
  action: z.string(),
  number: z.number(),
  label: z.object({ name: z.string() }).optional(),
  pull_request: z.object({
    number: z.number(),
    state: z.string(),
    draft: z.boolean().optional(),
    merged: z.boolean().nullish(),
    merged_at: z.string().nullable(),
    html_url: z.string(),
    updated_at: z.string(),
    user: z.object({ login: z.string() }).nullable(),
    author_association: z.string(),
    labels: z.array(z.object({ name: z.string() })),
    head: branchSchema.extend({ repo: branchSchema.shape.repo.nullable() }),
    base: branchSchema,
  }),
});

export type GithubPullRequestPayload = Covers<OfficialPayload<'pull-request'>, z.input<typeof pullRequestSchema>>;

export function normalizePullRequest(payload: unknown): PullRequestEvent {
  const p = parsePayload('pull_request', pullRequestSchema, payload);
  const pr = p.pull_request;
  const headRepo = pr.head.repo;
  return {
    kind: 'pull_request',
    ...envelope(p),
    action: p.action,
    number: pr.number,
    state: pr.state,
    draft: pr.draft ?? false,
    merged: pr.merged === true || pr.merged_at !== null,
    head: { ref: pr.head.ref, sha: pr.head.sha, repoFullName: headRepo?.full_name ?? null },
    base: { ref: pr.base.ref, sha: pr.base.sha, repoFullName: pr.base.repo.full_name },
    fork: headRepo === null || headRepo.id !== pr.base.repo.id,
    labels: pr.labels.map((label) => label.name),
    label: p.label?.name ?? null,
    author: pr.user?.login ?? null,
    authorAssociation: pr.author_association,
    htmlUrl: pr.html_url,
    updatedAt: Number.isNaN(Date.parse(pr.updated_at)) ? null : Date.parse(pr.updated_at),
  };
}
