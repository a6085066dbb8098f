import * as z from 'zod';
import type { Env } from './expand.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Keys whose values are never printed, in messages or logs. */
export const SECRET_KEYS = ['apiToken', 'webhookSecret', 'token'] as const;

const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const REPO = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A mapping that refuses unknown keys (naming the keys allowed there). A known key left
 * empty in YAML (`port:` with nothing after it) counts as not set, so its default applies.
 */
function strict<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape);
  const dropEmpty = (value: unknown): unknown =>
    isRecord(value)
      ? Object.fromEntries(
          Object.entries(value).filter(([key, v]) => !(v === null && allowed.includes(key))),
        )
      : value;
  return z.preprocess(
    dropEmpty,
    z.strictObject(shape, {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `expected one of: ${allowed.join(', ')}` : undefined,
    }),
  );
}

/** An optional string where an empty value (for example from `${VAR:-}`) means "not set". */
const optionalText = <T extends z.ZodType<string, string>>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** A secret that guards access: when given it must not be empty (fail closed). */
const guardSecret = z
  .string()
  .min(1, 'must not be empty; remove the key to leave it unset');

const PORT = 'expected a port number from 1 to 65535';
const port = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
  z.number({ error: PORT }).int(PORT).min(1, PORT).max(65535, PORT),
);

const HTTP_URL = 'expected an absolute http(s) URL such as https://slipway.example.com';
const publicUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, HTTP_URL)
  .transform((value) => value.replace(/\/+$/, ''));

const server = strict({
  host: z.string().min(1).default('0.0.0.0'),
  port: port.default(8080),
  publicUrl: optionalText(publicUrl),
  apiToken: guardSecret.optional(),
});

const github = strict({
  webhookSecret: z
    .union([guardSecret, z.array(guardSecret).min(1)], {
      error: 'expected a non-empty string, or a non-empty list of them (remove the key to leave it unset)',
    })
    .optional(),
  token: optionalText(z.string()),
});

const store = strict({
  dataDir: z.string().min(1).default('.slipway'),
});

const log = strict({
  level: z.enum(LOG_LEVELS).default('info'),
});

const app = strict({
  name: z
    .string()
    .regex(APP_NAME, 'expected 1 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-"'),
  repo: z.string().regex(REPO, 'expected "owner/name"'),
});

const apps = z.array(app).superRefine(
  (list: unknown[], ctx) => {
    if (!Array.isArray(list)) return;
    const seen = new Map<string, number>();
    list.forEach((item, index) => {
      const name = isRecord(item) ? item.name : undefined;
      if (typeof name !== 'string') return;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, index);
      else {
        const message = `another app (apps[${first}]) has the same name; app names must be unique`;
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message });
      }
    });
  },
  // Run even when some apps have other problems, so every problem is reported at once.
  { when: () => true },
);

export const configSchema = strict({
  server: server.prefault({}),
  github: github.prefault({}),
  store: store.prefault({}),
  log: log.prefault({}),
  apps: apps.default([]),
});

export type Config = z.output<typeof configSchema>;
export type AppConfig = Config['apps'][number];

/**
 * The webhook secrets to accept, newest first as configured: `github.webhookSecret` (one or a
 * list, for rotation), else `SLIPWAY_WEBHOOK_SECRET` from `env`. Empty when neither is set.
 */
export function webhookSecrets(config: Config, env: Env): string[] {
  const configured = config.github.webhookSecret;
  if (configured !== undefined) return [...new Set(typeof configured === 'string' ? [configured] : configured)];
  const fromEnv = env.SLIPWAY_WEBHOOK_SECRET;
  return fromEnv ? [fromEnv] : [];
}
