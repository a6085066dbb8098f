import * as z from 'zod';
import { duration, MAX_TIMER_MS } from './duration.js';
import { always, dropEmpty, isRecord, optionalText, quotable, quotingIssue, strictShape, wholeNumber } from './fields.js';
import { size } from './size.js';

/**
 * How an app is deployed: `target.type` picks one schema from the registry below. To add a
 * target type, add its schema (with `type: z.literal('<id>')`) to TARGETS.
 */

const NUL = 'must not contain a NUL character';
const argument = z.string().min(1).refine((text) => !text.includes('\0'), NUL);

/** Placeholders a target `url` may use; targets fill them with DNS labels (targets/url.ts). */
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
  /**
   * The app's manifest (build, start, health, env), relative to the repository's root; when
   * not set, slipway.app.yaml if the repository has one, else the app is detected (null).
   */
  manifest: repoPath.nullable().default(null),
  /** How long a stopping release gets after SIGTERM before SIGKILL (kept as `stopGraceMs`). */
  stopGrace: duration({ max: MAX_TIMER_MS }).default(10_000),
  user,
  /** A release's log file is rotated past this size (kept as `logMaxBytes`). */
  logMaxSize: size().default(10 * 1024 ** 2),
  /** Rotated log files kept per release. */
  logFiles: wholeNumber(0, 100).default(2),
  /** How long the manifest's `build` may run before its whole process group is stopped and the deployment fails (kept as `buildTimeoutMs`). */
  buildTimeout: duration({ max: MAX_TIMER_MS }).default(15 * 60_000),
});

/** A Docker image reference: [registry[:port]/]name[:tag][@sha256:digest]. */
export const IMAGE_REFERENCE = /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
/** A Docker image reference, with the url placeholders ({sha}…) filled in at deploy. */
const imageTemplate = z.string().refine((text) => {
  const placeholders = [...text.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1]);
  if (placeholders.some((name) => !(URL_PLACEHOLDERS as readonly (string | undefined)[]).includes(name))) return false;
  return IMAGE_REFERENCE.test(text.replace(/\{[a-z]+\}/g, 'x'));
}, `expected an image such as ghcr.io/acme/web:{sha}; placeholders: ${URL_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);

/** Where the Docker Engine answers: unix:///var/run/docker.sock or tcp://host:2375. */
const dockerHost = z.string().regex(
  /^(?:unix:\/\/\/[^\0]+|tcp:\/\/[A-Za-z0-9.-]+:\d{1,5})$/,
  'expected unix:///path/to/docker.sock or tcp://host:port',
);

const healthPath = z
  .string({ error: 'expected a path such as /healthz' })
  .regex(/^\/[\x21-\x7e]*$/, 'expected a path such as /healthz (starting with /, no spaces)');

const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*$/;

const dockerTarget = strictShape({
  type: z.literal('docker'),
  /** The Dockerfile, relative to the repository (not to the context). */
  dockerfile: repoPath.default('Dockerfile'),
  /** The build context: a folder of the repository; `.` is its root. */
  context: z.union([z.literal('.'), repoPath]).default('.'),
  buildArgs: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, a number or true/false' }))
    .superRefine((args, ctx) => {
      for (const name of Object.keys(args)) {
        if (!BUILD_ARG.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'expected a build argument name: letters, digits and _' });
      }
    }, { when: always })
    .transform((args) => Object.fromEntries(Object.entries(args).map(([name, value]) => [name, String(value)])))
    .default({}),
  /** Run this image (which CI pushed) instead of building one. */
  image: optionalText(imageTemplate),
  /** The port the app listens on inside the container; it also gets PORT. */
  port: wholeNumber(1, 65535).default(8080),
  health: strictShape({ path: healthPath.optional(), timeout: duration({ max: MAX_TIMER_MS }).default(60_000) }).default({ timeout: 60_000 }),
  resources: strictShape({
    memory: size().optional(),
    cpus: z.number({ error: 'expected a number of CPUs such as 0.5 or 2' }).positive('expected a number of CPUs above 0, such as 0.5').max(1024).optional(),
    /** The most processes the container may run (a fork bomb stays in its container). */
    pids: wholeNumber(16, 1_000_000).default(4096),
  }).default({ pids: 4096 }),
  stopGrace: duration({ max: MAX_TIMER_MS }).default(10_000),
  /** How long building (or pulling) the image may take. */
  buildTimeout: duration({ max: MAX_TIMER_MS }).default(15 * 60_000),
  host: optionalText(dockerHost),
  /**
   * The address on the engine's machine containers' ports are published on, where slipway and
   * its router reach them: 127.0.0.1 for an engine on slipway's machine; for a shared engine
   * (`host: tcp://…`), an address of that machine every replica can reach.
   */
  publish: z.ipv4({ error: 'expected an IPv4 address of the engine\'s machine, such as 127.0.0.1 or 10.0.0.5' })
    .refine((address) => address !== '0.0.0.0', 'expected one address, not 0.0.0.0: slipway reaches containers there')
    .default('127.0.0.1'),
  /** A container's output is rotated past this size, keeping `logFiles` older files (engines logging to json-file or local). */
  logMaxSize: size().default(10 * 1024 ** 2),
  logFiles: wholeNumber(0, 100).default(2),
});

/** The target registry: one schema per `type`. */
const TARGETS = {
  process: processTarget,
  command: commandTarget,
  docker: dockerTarget,
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
      const { stopGrace, logMaxSize, buildTimeout, ...rest } = target;
      return { ...rest, stopGraceMs: stopGrace, logMaxBytes: logMaxSize, buildTimeoutMs: buildTimeout };
    }
    case 'docker': {
      const { stopGrace, buildTimeout, health, resources, logMaxSize, ...rest } = target;
      return {
        ...rest,
        logMaxBytes: logMaxSize,
        stopGraceMs: stopGrace,
        buildTimeoutMs: buildTimeout,
        health: { path: health.path ?? null, timeoutMs: health.timeout },
        resources: { memoryBytes: resources.memory ?? null, cpus: resources.cpus ?? null, pids: resources.pids },
      };
    }
  }
}

export type TargetConfig = ReturnType<typeof finish>;
export type CommandTargetConfig = Extract<TargetConfig, { type: 'command' }>;
export type ProcessTargetConfig = Extract<TargetConfig, { type: 'process' }>;
export type DockerTargetConfig = Extract<TargetConfig, { type: 'docker' }>;

/** An app without `target:` runs its environments as local processes behind the router. */
export const DEFAULT_TARGET: ProcessTargetConfig = { type: 'process', manifest: null, stopGraceMs: 10_000, logMaxBytes: 10 * 1024 ** 2, logFiles: 2, buildTimeoutMs: 15 * 60_000 };

const isTargetType = (value: unknown): value is TargetType =>
  typeof value === 'string' && Object.hasOwn(TARGETS, value);

const expected = `expected one of: ${TARGET_TYPES.join(', ')}`;

export const targetSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    if (isRecord(value) && value.type === 'docker' && value.image !== undefined && value.image !== null && value.image !== '') {
      for (const key of ['dockerfile', 'context', 'buildArgs'].filter((key) => Object.hasOwn(value, key))) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'is for building an image, but image: names one to run; keep one of the two' });
      }
    }
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
