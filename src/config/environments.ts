import * as z from 'zod';
import { variablesSchema } from './variables.js';
import { duration } from './duration.js';
import { always, isRecord, strict, uniqueNames, unknownKeyReported, wholeNumber } from './fields.js';
import { gateSchema } from './gates.js';
import { rollbackSchema } from './rollback.js';

/** What an environment follows: exactly one of these keys under `track`. */
export const TRACK_KINDS = ['branch', 'branches', 'release', 'pullRequests', 'workflowRun', 'deployments'] as const;
export type TrackKind = (typeof TRACK_KINDS)[number];

/**
 * Who may get a preview from a fork: nobody, anybody, authors with write access, or any fork
 * once a user with write access comments `/slipway deploy` (for the head it was given on).
 */
export const FORK_POLICIES = ['deny', 'allow', 'trusted', 'approve'] as const;
export type ForkPolicy = (typeof FORK_POLICIES)[number];

export type Track =
  /** One branch, by exact name; the environment has a fixed name. */
  | { kind: 'branch'; branch: string }
  /** Every branch matching one of the globs gets its own environment (`{branch}` in its name). */
  | { kind: 'branches'; patterns: string[] }
  /** Published releases (and prereleases when `prerelease`); the environment has a fixed name. */
  | { kind: 'release'; prerelease: boolean }
  /** One environment per pull request (`{number}` in its name). `base` globs; `['**']` is any base. */
  | { kind: 'pullRequests'; base: string[]; drafts: boolean; labels: string[]; forks: ForkPolicy; max?: number | undefined }
  /** Successful runs of one workflow (by name), on `branch` or on any branch when null; the environment has a fixed name. */
  | { kind: 'workflowRun'; workflow: string; branch: string | null }
  /** GitHub deployments whose environment is this environment's (fixed) name. */
  | { kind: 'deployments' };

/** Placeholders an environment name may use, and the track each one needs. */
export const NAME_PLACEHOLDERS = { number: 'pullRequests', branch: 'branches', app: null } as const;
const PLACEHOLDER = /\{([^{}]*)\}/g;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const BRANCH_HINT = 'expected a git branch name such as main or release/1.x';
const PATTERN_HINT = 'expected a branch name or a glob such as feature/* ("*" matches within a "/" segment, "**" across)';

/** Git's rules for ref names (`git check-ref-format --branch`), applied to a branch name. */
export function isBranchName(name: string): boolean {
  return (
    name !== '' &&
    name !== '@' &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.') &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.includes('@{') &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u0020\u007f~^:?*[\\]/.test(name) &&
    name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'))
  );
}

const branchName = z.string().superRefine((name, ctx) => {
  if (name.startsWith('refs/')) {
    ctx.addIssue({ code: 'custom', message: 'write the branch name without refs/heads/, e.g. main' });
  } else if (name.includes('*')) {
    ctx.addIssue({ code: 'custom', message: 'branch takes one exact name; use branches: [pattern] to follow every branch matching a glob' });
  } else if (!isBranchName(name)) {
    ctx.addIssue({ code: 'custom', message: BRANCH_HINT });
  }
});

/** A branch glob: `*` and `**` are the only wildcards, the rest must be branch-name text. */
const pattern = z.string().refine((text) => !text.startsWith('refs/') && isBranchName(text.replace(/\*/g, 'x')), PATTERN_HINT);
const patterns = z.array(pattern).min(1);

const release = strict({
  prerelease: z.boolean().default(false),
});

const pullRequests = strict({
  base: patterns.default(['**']),
  drafts: z.boolean().default(false),
  labels: z.array(z.string().min(1)).default([]),
  forks: z.enum(FORK_POLICIES).default('deny'),
  /** Previews of this template awake at once, at most: beyond it the least recently used one sleeps. */
  max: wholeNumber(1, 100_000).optional(),
});

const WORKFLOW_NAME = "the workflow's name as GitHub shows it (its name: key), e.g. CI";

const workflowRun = strict({
  workflow: z
    .string({ error: (issue) => (issue.input === undefined ? `is required: give ${WORKFLOW_NAME}` : undefined) })
    .min(1, `must not be empty; give ${WORKFLOW_NAME}`),
  /** Runs on this branch only; runs on any branch when absent. */
  branch: branchName.optional(),
});

const deployments = z.literal(true, {
  error: (issue) =>
    issue.input === false ? 'remove deployments, or set it to true' : "expected true; the GitHub environment deployed to is this environment's name",
});

const ONE_OF = `give exactly one of: ${TRACK_KINDS.join(', ')}`;

const track = z
  .preprocess(
    // `release:` or `pullRequests:` with nothing after them means "with the defaults"; `workflowRun:`
    // then says its workflow is missing, `deployments:` that it takes true.
    (value) =>
      isRecord(value)
        ? {
            ...value,
            ...(value.release === null && { release: {} }),
            ...(value.pullRequests === null && { pullRequests: {} }),
            ...(value.workflowRun === null && { workflowRun: {} }),
            ...(value.deployments === null && { deployments: false }),
          }
        : value,
    strict({
      branch: branchName.optional(),
      branches: patterns.optional(),
      release: release.optional(),
      pullRequests: pullRequests.optional(),
      workflowRun: workflowRun.optional(),
      deployments: deployments.optional(),
    }),
  )
  .superRefine((value, ctx) => {
    if (!isRecord(value)) return;
    const given = TRACK_KINDS.filter((key) => value[key] !== undefined);
    // With only unknown keys, the unknown-key problem already lists what is allowed.
    if (given.length === 0 && !unknownKeyReported(ctx)) ctx.addIssue({ code: 'custom', message: ONE_OF });
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: `${ONE_OF} (found ${given.join(' and ')})` });
  }, { when: always })
  .transform((value): Track => {
    // Reached with no track key only when an unknown key was given: that is already a problem.
    if (value.branch !== undefined) return { kind: 'branch', branch: value.branch };
    if (value.branches !== undefined) return { kind: 'branches', patterns: value.branches };
    if (value.release !== undefined) return { kind: 'release', ...value.release };
    if (value.pullRequests !== undefined) return { kind: 'pullRequests', ...value.pullRequests };
    if (value.workflowRun !== undefined) return { kind: 'workflowRun', workflow: value.workflowRun.workflow, branch: value.workflowRun.branch ?? null };
    if (value.deployments !== undefined) return { kind: 'deployments' };
    return z.NEVER;
  });

/** The kind of a track, from its parsed form or (when other keys failed) from its raw keys. */
function kindOf(value: unknown): TrackKind | null {
  if (!isRecord(value)) return null;
  if (typeof value.kind === 'string') return (TRACK_KINDS as readonly string[]).includes(value.kind) ? (value.kind as TrackKind) : null;
  const given = TRACK_KINDS.filter((key) => value[key] !== undefined && value[key] !== null);
  return given.length === 1 ? (given[0] ?? null) : null;
}

/** The placeholders used in a name template, e.g. `['number']` for `pr-{number}`. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

const isPlaceholder = (name: string): name is keyof typeof NAME_PLACEHOLDERS => Object.hasOwn(NAME_PLACEHOLDERS, name);

/** An environment name: fixed (`staging`) or a template (`pr-{number}`, `br-{branch}`). */
const name = z.string().min(1).superRefine((text, ctx) => {
  if (placeholdersOf(text).some((p) => !isPlaceholder(p))) {
    ctx.addIssue({ code: 'custom', message: 'unknown placeholder; a name may use {number} (pullRequests), {branch} (branches) and {app}' });
  } else if (!/^[a-z0-9-]*$/.test(text.replace(PLACEHOLDER, ''))) {
    ctx.addIssue({ code: 'custom', message: 'expected a-z, 0-9 and "-", with placeholders such as pr-{number} or br-{branch}' });
  }
});

/** Tracks whose environment has a fixed name, and what they follow, for messages. */
const FIXED_NAME_TRACKS: Partial<Record<TrackKind, string>> = {
  branch: 'follows one branch',
  release: 'follows releases',
  workflowRun: 'follows workflow runs',
  deployments: 'follows GitHub deployments',
};

/** `{number}` only (and always) with pullRequests, `{branch}` with branches; fixed names otherwise. */
function checkNameFitsTrack(value: unknown, ctx: z.core.$RefinementCtx): void {
  if (!isRecord(value) || typeof value.name !== 'string') return;
  const kind = kindOf(value.track);
  if (kind === null) return;
  const used = placeholdersOf(value.name);
  if (!used.every(isPlaceholder)) return; // already reported by `name`
  const problem = (message: string) => ctx.addIssue({ code: 'custom', path: ['name'], message });
  const what = FIXED_NAME_TRACKS[kind];
  if (what !== undefined) {
    if (used.length > 0) problem(`an environment that ${what} has a fixed name such as staging, without placeholders`);
    // Characters outside a-z, 0-9 and "-" were already reported by `name`.
    else if (/^[a-z0-9-]+$/.test(value.name) && !LABEL.test(value.name)) problem('expected 1 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-"');
    return;
  }
  const needed = kind === 'pullRequests' ? 'number' : 'branch';
  const other = kind === 'pullRequests' ? 'branch' : 'number';
  if (used.includes(other)) {
    problem(`{${other}} is only for ${NAME_PLACEHOLDERS[other]} environments; use {${needed}} here`);
  } else if (!used.includes(needed)) {
    const example = kind === 'pullRequests' ? 'pr-{number}' : 'br-{branch}';
    problem(`a ${kind} environment needs {${needed}} in its name, e.g. ${example}, so each gets its own`);
  }
}

/** Tracks that name what to deploy themselves, so a gate has nothing to wait for, and why. */
const NO_GATE: Partial<Record<TrackKind, string>> = {
  workflowRun: 'the workflow run is already the gate; remove gate or track a branch',
  deployments: 'a GitHub deployment names its sha; slipway deploys it without a gate',
};

/**
 * `gate` only where slipway picks the commit itself; `artifact` only from a workflow run;
 * `productionEnvironment` not on previews and branch environments.
 */
function checkOptionsFitTrack(value: unknown, ctx: z.core.$RefinementCtx): void {
  if (!isRecord(value)) return;
  const kind = kindOf(value.track);
  if (kind === null) return;
  const noGate = NO_GATE[kind];
  if (value.gate !== undefined && noGate !== undefined) ctx.addIssue({ code: 'custom', path: ['gate'], message: noGate });
  if (value.productionEnvironment === true && (kind === 'pullRequests' || kind === 'branches')) {
    const message = `a ${kind} environment is short-lived, not production; set productionEnvironment on a fixed environment such as production`;
    ctx.addIssue({ code: 'custom', path: ['productionEnvironment'], message });
  }
  if (value.artifact !== undefined && kind !== 'workflowRun') {
    ctx.addIssue({ code: 'custom', path: ['artifact'], message: 'artifact needs track.workflowRun: artifacts come from a workflow run' });
  }
}

const environment = z
  .preprocess(
    // `rollback:` with nothing after it means "with the defaults", not "no rollback".
    (value) => (isRecord(value) && value.rollback === null ? { ...value, rollback: {} } : value),
    strict({
      name,
      track,
      /** How long without a new commit before the environment is destroyed (kept as `ttlMs`). */
      ttl: duration().optional(),
      /** How long without a request through the router before its release stops (it wakes on the next request). */
      sleepAfter: duration().optional(),
      /** What must pass on a commit before it is deployed. */
      gate: gateSchema.optional(),
      /** The name of the workflow run's artifact to deploy instead of the source tree. */
      artifact: z.string().min(1).optional(),
      rollback: rollbackSchema.optional(),
      /** Environment variables for this environment's processes; they win over the app's `env`. */
      env: variablesSchema.prefault({}),
      /** Its GitHub deployments are marked `production_environment`. */
      productionEnvironment: z.boolean().default(false),
      /** Each deployment also sets a commit status `slipway/<name>` on its sha. */
      commitStatus: z.boolean().default(false),
    }),
  )
  .superRefine(checkNameFitsTrack, { when: always })
  .superRefine(checkOptionsFitTrack, { when: always })
  .transform(({ ttl, sleepAfter, gate, artifact, rollback, env, ...rest }) => ({
    ...rest,
    sleepAfterMs: sleepAfter ?? null,
    env: env.values,
    /** Names in `env` that fork previews never get. */
    secretEnv: env.secret,
    ttlMs: ttl ?? null,
    gate: gate ?? null,
    artifact: artifact ?? null,
    rollback: rollback ?? null,
  }));

export type EnvironmentConfig = z.output<typeof environment>;

export const environmentsSchema = z.array(environment).superRefine(
  uniqueNames((first) => `another environment of this app (environments[${first}]) has the same name; names must be unique within an app`),
  { when: always },
);

/** Environments with a fixed name (following a branch, releases, workflow runs or deployments), as opposed to templates. */
export function isFixedEnvironment(env: EnvironmentConfig): boolean {
  return FIXED_NAME_TRACKS[env.track.kind] !== undefined;
}
