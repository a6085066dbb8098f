import * as z from 'zod';
import { duration, MAX_TIMER_MS } from './duration.js';
import { always, isRecord, strict, uniqueList, unknownKeyReported } from './fields.js';

/** What must have passed on a commit before slipway deploys it. */
export interface GateConfig {
  /** Check runs, by name. */
  checks: string[];
  /** Commit status contexts. */
  statuses: string[];
  /** Workflow runs, by workflow name. */
  workflows: string[];
  /** 'all': every check suite reported for the sha; a list: suites of these GitHub App slugs; null: none required. */
  checkSuites: 'all' | string[] | null;
  /** How long to wait for them before giving up on the commit. */
  timeoutMs: number;
}

const GATE_KEYS = ['checks', 'statuses', 'workflows', 'checkSuites'] as const;

const names = uniqueList(z.string().min(1), 'must not be an empty list; remove the key to require none');

/** GitHub App slugs are lowercase, as in the app's address: github.com/apps/<slug>. */
const appSlug = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a GitHub App slug such as github-actions, as in github.com/apps/<slug>');

const checkSuites = z.union(
  [z.literal('all'), uniqueList(appSlug, 'must not be an empty list; write all, or the slugs of the apps whose check suites must pass')],
  { error: 'expected all, or a list of GitHub App slugs such as [github-actions]' },
);

export const gateSchema = strict({
  checks: names.optional(),
  statuses: names.optional(),
  workflows: names.optional(),
  checkSuites: checkSuites.optional(),
  timeout: duration({ max: MAX_TIMER_MS }).default(60 * 60_000),
})
  .superRefine((value, ctx) => {
    if (!isRecord(value) || unknownKeyReported(ctx)) return;
    if (GATE_KEYS.every((key) => value[key] === undefined)) {
      ctx.addIssue({ code: 'custom', message: `a gate needs at least one of: ${GATE_KEYS.join(', ')}` });
    }
  }, { when: always })
  .transform(
    (value): GateConfig => ({
      checks: value.checks ?? [],
      statuses: value.statuses ?? [],
      workflows: value.workflows ?? [],
      checkSuites: value.checkSuites ?? null,
      timeoutMs: value.timeout,
    }),
  );
