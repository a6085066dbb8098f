import { z } from 'zod';
import {
  envelope,
  envelopeShape,
  pullRequestNumbers,
  pullRequestNumbersSchema,
  type Covers,
  type OfficialPayload,
} from './common.js';
import type { CheckRunEvent, CheckSuiteEvent } from './domain.js';
import { parsePayload } from './parse.js';

const appSchema = z.object({ slug: z.string().optional() }).nullable();

const checkRunSchema = z.object({
  ...envelopeShape,
  action: z.string(),
  check_run: z.object({
    id: z.number(),
    name: z.string(),
    status: z.string(),
    conclusion: z.string().nullable(),
    head_sha: z.string(),
    html_url: z.string(),
    app: appSchema,
    check_suite: z.object({ head_branch: z.string().nullish() }),
    pull_requests: pullRequestNumbersSchema,
  }),
});

const checkSuiteSchema = z.object({
  ...envelopeShape,
  action: z.string(),
  check_suite: z.object({
    id: z.number(),
    status: z.string().nullable(),
    conclusion: z.string().nullable(),
    head_sha: z.string(),
    head_branch: z.string().nullable(),
    app: appSchema,
    pull_requests: pullRequestNumbersSchema,
  }),
});

export type GithubCheckRunPayload = Covers<OfficialPayload<'check-run'>, z.input<typeof checkRunSchema>>;
export type GithubCheckSuitePayload = Covers<OfficialPayload<'check-suite'>, z.input<typeof checkSuiteSchema>>;

export function normalizeCheckRun(payload: unknown): CheckRunEvent {
  const p = parsePayload('check_run', checkRunSchema, payload);
  const run = p.check_run;
  return {
    kind: 'check_run',
    ...envelope(p),
    action: p.action,
    id: run.id,
    name: run.name,
    status: run.status,
    conclusion: run.conclusion,
    headSha: run.head_sha,
    headBranch: run.check_suite.head_branch ?? null,
    appSlug: run.app?.slug ?? null,
    pullRequests: pullRequestNumbers(run.pull_requests),
    htmlUrl: run.html_url,
  };
}

export function normalizeCheckSuite(payload: unknown): CheckSuiteEvent {
  const p = parsePayload('check_suite', checkSuiteSchema, payload);
  const suite = p.check_suite;
  return {
    kind: 'check_suite',
    ...envelope(p),
    action: p.action,
    id: suite.id,
    status: suite.status,
    conclusion: suite.conclusion,
    headSha: suite.head_sha,
    headBranch: suite.head_branch,
    appSlug: suite.app?.slug ?? null,
    pullRequests: pullRequestNumbers(suite.pull_requests),
  };
}
