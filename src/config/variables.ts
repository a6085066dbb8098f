import * as z from 'zod';
import { always, isRecord, strictShape } from './fields.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names slipway sets itself: a config value would be overwritten, so it is refused. */
function reserved(name: string): boolean {
  return name === 'PORT' || name.startsWith('SLIPWAY_');
}

const SCALAR = 'expected a string, a number or true/false, or { value: ..., secret: true }';
const scalar = z.union([z.string(), z.number(), z.boolean()], { error: SCALAR });
/** `NAME: { value: "…", secret: true }`: a secret is never given to a fork's preview. */
const described = strictShape({
  value: z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, a number or true/false' }),
  secret: z.boolean({ error: 'expected true or false' }).default(false),
});

/** Environment variables after parsing: their values as text, and which of them are secret. */
export interface Variables {
  values: Record<string, string>;
  /** Names marked `secret: true`: fork previews never get them. */
  secret: string[];
}

/**
 * Environment variables for an app's processes (`env:` on an app or an environment). Values
 * may be secrets: they reach the processes only, never logs or the API. Numbers and booleans
 * are written as YAML reads them (`3`, `true`); `NAME: { value: …, secret: true }` marks one
 * that untrusted code (a fork's pull request) never gets.
 */
export const variablesSchema = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    if (!isRecord(value)) return;
    for (const [name, raw] of Object.entries(value)) {
      if (!NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'a variable name is letters, digits and "_", not starting with a digit' });
      } else if (reserved(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'PORT and SLIPWAY_* are set by slipway for every process; choose another name' });
      }
      const parsed = (isRecord(raw) ? described : scalar).safeParse(raw);
      for (const issue of parsed.error?.issues ?? []) ctx.addIssue({ code: 'custom', path: [name, ...issue.path], message: issue.message });
    }
  }, { when: always })
  .transform((value): Variables => {
    const entries = Object.entries(value).map(([name, raw]) => [name, described.parse(isRecord(raw) ? raw : { value: raw })] as const);
    return {
      values: Object.fromEntries(entries.map(([name, v]) => [name, String(v.value)])),
      secret: entries.filter(([, v]) => v.secret).map(([name]) => name),
    };
  });
