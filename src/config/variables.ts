import * as z from 'zod';
import { always, isRecord } from './fields.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names slipway sets itself: a config value would be overwritten, so it is refused. */
function reserved(name: string): boolean {
  return name === 'PORT' || name.startsWith('SLIPWAY_');
}

/**
 * Environment variables for an app's processes (`env:` on an app or an environment). Values
 * may be secrets: they reach the processes only, never logs or the API. Numbers and booleans
 * are written as YAML reads them (`3`, `true`).
 */
export const variablesSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, a number or true/false' }))
  .superRefine((value, ctx) => {
    if (!isRecord(value)) return;
    for (const name of Object.keys(value)) {
      if (!NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'a variable name is letters, digits and "_", not starting with a digit' });
      } else if (reserved(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'PORT and SLIPWAY_* are set by slipway for every process; choose another name' });
      }
    }
  }, { when: always })
  .transform((value) => Object.fromEntries(Object.entries(value).map(([name, v]) => [name, String(v)])));
