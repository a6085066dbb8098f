import { z } from 'zod';
import {
  envelope,
  envelopeShape,
  pullRequestNumbers,
  pullRequestNumbersSchema,
  type Covers,
  type OfficialPayload,
} from './common.js';
import type { WorkflowRunEvent } from './domain.js';
import { parsePayload } from './parse.js';

const workflowRunSchema = z.object({
  ...envelopeShape,
  action: z.string(),
  workflow_run: z.object({
    id: z.number(),
    name: z.string().nullable(),
    path: z.string().optional(), // documented as required, yet absent in an official example
    run_attempt: z.number(),
    head_branch: z.string().nullable(),
    head_sha: z.string(),
    event: z.string(),
    status: z.string(),
    conclusion: z.string().nullable(),
    // Documented as always present; accepted as null too, since a deleted fork must read as a fork.
    head_repository: z.object({ id: z.number(), full_name: z.string() }).nullable(),
    pull_requests: pullRequestNumbersSchema,
    html_url: z.string(),
    artifacts_url: z.string(),
  }),
});

export type GithubWorkflowRunPayload = Covers<OfficialPayload<'workflow-run'>, z.input<typeof workflowRunSchema>>;

export function normalizeWorkflowRun(payload: unknown): WorkflowRunEvent {
  const p = parsePayload('workflow_run', workflowRunSchema, payload);
  const run = p.workflow_run;
  const headRepo = run.head_repository;
  return {
    kind: 'workflow_run',
    ...envelope(p),
    action: p.action,
    id: run.id,
    name: run.name,
    path: run.path ?? null,
    runAttempt: run.run_attempt,
    headBranch: run.head_branch,
    headSha: run.head_sha,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    headRepoFullName: headRepo?.full_name ?? null,
    fork: headRepo === null || headRepo.id !== p.repository.id,
    pullRequests: pullRequestNumbers(run.pull_requests),
    htmlUrl: run.html_url,
    artifactsUrl: run.artifacts_url,
  };
}
