import * as z from 'zod';

/** Bytes per unit: KB, MB and GB count in 1000s, KiB, MiB and GiB in 1024s. */
const UNITS: ReadonlyMap<string, number> = new Map([
  ['B', 1],
  ['KB', 1000],
  ['MB', 1000 ** 2],
  ['GB', 1000 ** 3],
  ['KiB', 1024],
  ['MiB', 1024 ** 2],
  ['GiB', 1024 ** 3],
]);

const SIZE = /^(\d+) ?([A-Za-z]*)$/;

export const SIZE_HINT = `expected a size such as 512MiB, 1GiB or 10MB: a whole number, then one of ${[...UNITS.keys()].join(', ')} (none means bytes)`;

/** `512MiB` → 536870912; a plain whole number is bytes. Null when not a size (or past 2^53 bytes). */
export function parseSize(text: string): number | null {
  const match = SIZE.exec(text.trim());
  if (!match) return null;
  const size = UNITS.get(match[2] || 'B');
  if (size === undefined) return null;
  const bytes = Number(match[1]) * size;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** A positive size in the config, stored as bytes: `1GiB`, or a whole number of bytes (also from `${VAR}`). */
export function size() {
  return z.preprocess(
    (value) => (typeof value === 'number' ? String(value) : value),
    z.string({ error: SIZE_HINT }).transform((text, ctx) => {
      const bytes = parseSize(text);
      if (bytes === null) {
        ctx.addIssue({ code: 'custom', message: SIZE_HINT });
        return z.NEVER;
      }
      if (bytes === 0) {
        ctx.addIssue({ code: 'custom', message: 'must be larger than 0 bytes' });
        return z.NEVER;
      }
      return bytes;
    }),
  );
}

/** 536870912 → `512MiB`: the largest binary unit that divides it, else bytes. */
export function formatSize(bytes: number): string {
  for (const unit of ['GiB', 'MiB', 'KiB'] as const) {
    const size = UNITS.get(unit) ?? 1;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
