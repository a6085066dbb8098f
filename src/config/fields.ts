import * as z from 'zod';

/** Schema building blocks shared by the config sections. */

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Passed as `{ when: always }` so a check runs even when other keys have problems. */
export const always = (): boolean => true;

/** Drops the keys in `allowed` whose value is null: a known key left empty in YAML means "not set". */
export function dropEmpty(value: unknown, allowed: readonly string[]): unknown {
  return isRecord(value)
    ? Object.fromEntries(Object.entries(value).filter(([key, v]) => !(v === null && allowed.includes(key))))
    : value;
}

/** A strict object whose unknown-key message names the keys allowed there. */
export function strictShape<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `expected one of: ${allowed.join(', ')}` : undefined,
  });
}

/**
 * A mapping that refuses unknown keys (naming the keys allowed there). A known key left
 * empty in YAML (`port:` with nothing after it) counts as not set, so its default applies.
 */
export function strict<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape);
  return z.preprocess((value) => dropEmpty(value, allowed), strictShape(shape));
}

/** True when an unknown key of the object being refined was already reported (that message lists the keys allowed). */
export const unknownKeyReported = (ctx: z.core.$RefinementCtx): boolean =>
  ctx.issues.some((issue) => issue.code === 'unrecognized_keys' && (issue.path ?? []).length === 0);

/**
 * Checks a list of items named by `name`: a repeated name is reported where it is, `message`
 * saying which item has it first. Pass `{ when: always }` so it runs when items have other problems.
 */
export function uniqueNames(message: (first: number) => string) {
  return (list: unknown[], ctx: z.core.$RefinementCtx): void => {
    if (!Array.isArray(list)) return;
    const seen = new Map<string, number>();
    list.forEach((item, index) => {
      const name = isRecord(item) ? item.name : undefined;
      if (typeof name !== 'string') return;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, index);
      else ctx.addIssue({ code: 'custom', path: [index, 'name'], message: message(first) });
    });
  };
}

/** A non-empty list without repeats; a repeat is reported where it is, naming the first. */
export function uniqueList<T extends z.ZodType>(item: T, emptyMessage: string) {
  return z
    .array(item)
    .min(1, emptyMessage)
    .superRefine((list: unknown[], ctx) => {
      if (!Array.isArray(list)) return;
      list.forEach((value, index) => {
        const first = list.indexOf(value);
        if (first < index) ctx.addIssue({ code: 'custom', path: [index], message: `already listed at [${first}]; remove the repeat` });
      });
    }, { when: always });
}

/** An optional string where an empty value (for example from `${VAR:-}`) means "not set". */
export const optionalText = <T extends z.ZodType<string, string>>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** A whole number in `[min, max]`; a string of digits (from `${VAR}`) is accepted too. */
export const wholeNumber = (min: number, max: number, message = `expected a whole number from ${min} to ${max}`) =>
  z.preprocess(
    (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: message }).int(message).min(min, message).max(max, message),
  );

/**
 * A custom problem whose message quotes the value given. `redacted` is what to say instead
 * when that value came from the environment (load.ts picks it): values from there may be secret.
 */
export function quotingIssue(message: string, redacted: string, path: PropertyKey[] = []) {
  return { code: 'custom' as const, message, path, params: { redacted } };
}

/** Quotes `value` only when it is a short plain word; anything else could be data best not echoed. */
export function quotable(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,32}$/.test(value);
}
