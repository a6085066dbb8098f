import * as z from 'zod';
import { duration, MAX_TIMER_MS } from './duration.js';
import { dropEmpty, isRecord, optionalText, quotable, quotingIssue, strictShape, wholeNumber } from './fields.js';
import { size } from './size.js';

/**
 * How an app is deployed: `target.type` picks one schema from the registry below. To add a
 * target type, add its schema (with `type: z.literal('<id>')`) to TARGETS.
 */

const NUL = 'must not contain a NUL character';
const argument = z.string().min(1).refine((text) => !text.includes('\0'), NUL);

/** Placeholders a target `url` may use; targets fill them with DNS labels (targets/command/url.ts). */
export const URL_PLACEHOLDERS = ['app', 'env', 'pr', 'branch', 'sha'] as const;

const URL_TEMPLATE = `expected an http(s) URL such as https://{env}.example.com; placeholders: ${URL_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`;

/** An http(s) URL template, filled in when the environment is deployed. */
const urlTemplate = z.string().refine((text) => {
  const placeholders = [...text.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1]);
  if (placeholders.some((name) => !(URL_PLACEHOLDERS as readonly (string | undefined)[]).includes(name))) return false;
  try {
    const url = new URL(text.replace(/\{([a-z]+)\}/g, 'x'));
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}, URL_TEMPLATE);

/** Whom the app's commands run as when slipway runs as root (default nobody): a name or uid[:gid]. */
const user = optionalText(
  z.string().regex(/^(?:\d+(?::\d+)?|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/, 'expected a user name or uid[:gid], such as nobody or 1500:1500'),
);

const commandTarget = strictShape({
  type: z.literal('command'),
  /** argv, run without a shell; the first element is looked up in the worktree, then on PATH. */
  deploy: z.array(argument).min(1, 'must not be an empty list; give the program and its arguments, e.g. [./deploy.sh]'),
  /** argv run when the environment is destroyed; nothing runs when absent. */
  destroy: z
    .array(argument)
    .min(1, 'must not be an empty list; remove the key when nothing needs to run on destroy')
    .optional(),
  /** How long a deploy or destroy may take before it is stopped and fails (kept as `timeoutMs`). */
  timeout: duration({ max: MAX_TIMER_MS }).default(10 * 60_000),
  /** The environment URL template. */
  url: optionalText(urlTemplate),
  user,
});

/** A path inside the app's repository: relative, and never leaving it. */
const repoPath = z.string().min(1).refine(
  (text) => !text.startsWith('/') && !text.includes('\0') && !text.split(/[\\/]/).includes('..'),
  'expected a path inside the repository, such as deploy/slipway.app.yaml (relative, without "..")',
);

const processTarget = strictShape({
  type: z.literal('process'),
  /** The app's manifest (build, start, health, env), relative to the repository's root. */
  manifest: repoPath.default('slipway.app.yaml'),
  /** How long a stopping release gets after SIGTERM before SIGKILL (kept as `stopGraceMs`). */
  stopGrace: duration({ max: MAX_TIMER_MS }).default(10_000),
  user,
  /** A release's log file is rotated past this size (kept as `logMaxBytes`). */
  logMaxSize: size().default(10 * 1024 ** 2),
  /** Rotated log files kept per release. */
  logFiles: wholeNumber(0, 100).default(2),
});

/** The target registry: one schema per `type`. */
const TARGETS = {
  process: processTarget,
  command: commandTarget,
} as const;

export type TargetType = keyof typeof TARGETS;
export const TARGET_TYPES = Object.keys(TARGETS) as TargetType[];

type TargetSchema = (typeof TARGETS)[TargetType];

/** Config keys read as the user writes them (`timeout: 10m`), kept with their unit (`timeoutMs`). */
function finish(target: z.output<TargetSchema>) {
  switch (target.type) {
    case 'command': {
      const { timeout, ...rest } = target;
      return { ...rest, timeoutMs: timeout };
    }
    case 'process': {
      const { stopGrace, logMaxSize, ...rest } = target;
      return { ...rest, stopGraceMs: stopGrace, logMaxBytes: logMaxSize };
    }
  }
}

export type TargetConfig = ReturnType<typeof finish>;
export type CommandTargetConfig = Extract<TargetConfig, { type: 'command' }>;
export type ProcessTargetConfig = Extract<TargetConfig, { type: 'process' }>;

/** An app without `target:` runs its environments as local processes behind the router. */
export const DEFAULT_TARGET: ProcessTargetConfig = { type: 'process', manifest: 'slipway.app.yaml', stopGraceMs: 10_000, logMaxBytes: 10 * 1024 ** 2, logFiles: 2 };

const isTargetType = (value: unknown): value is TargetType =>
  typeof value === 'string' && Object.hasOwn(TARGETS, value);

const expected = `expected one of: ${TARGET_TYPES.join(', ')}`;

export const targetSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    if (!isRecord(value) || isTargetType(value.type)) return;
    const type = value.type;
    if (type === undefined || type === null) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `is required; ${expected}` });
    } else if (quotable(type)) {
      ctx.addIssue(quotingIssue(`unknown target "${type}"; ${expected}`, `unknown target type; ${expected}`, ['type']));
    } else {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `unknown target type; ${expected}` });
    }
  })
  .transform((value) => (isRecord(value) && isTargetType(value.type) ? dropEmpty(value, Object.keys(TARGETS[value.type].shape)) : value))
  .pipe(z.discriminatedUnion('type', Object.values(TARGETS) as [TargetSchema, ...TargetSchema[]]))
  .transform(finish);
