import * as z from 'zod';

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
] as const;

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export const DURATION_HINT = 'expected a duration such as 30s, 10m, 72h, 7d or 1h30m';

/** 24 days: just under the largest delay `setTimeout` honours (2^31-1 ms); longer ones fire at once. */
export const MAX_TIMER_MS = 24 * 86_400_000;

/** `1h30m` → 5400000. Units d, h, m, s, largest first, each at most once. Null when not a duration. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === '') return null;
  let ms = 0;
  UNITS.forEach(([, size], i) => {
    const count = match[i + 1];
    if (count !== undefined) ms += Number(count) * size;
  });
  return Number.isSafeInteger(ms) ? ms : null;
}

/** 5400000 → `1h30m`; 0 → `0s`. Sub-second remainders are dropped. */
export function formatDuration(ms: number): string {
  let rest = Math.floor(ms / 1000) * 1000;
  let text = '';
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text === '' ? '0s' : text;
}

/** A positive duration in the config, stored as milliseconds. */
export function duration(options: { min?: number; max?: number } = {}) {
  const min = options.min ?? 1;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return z.string({ error: DURATION_HINT }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: DURATION_HINT });
      return z.NEVER;
    }
    if (ms === 0) {
      ctx.addIssue({ code: 'custom', message: 'must be longer than 0s' });
      return z.NEVER;
    }
    if (ms < min) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(min)}` });
      return z.NEVER;
    }
    if (ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${formatDuration(max)}` });
      return z.NEVER;
    }
    return ms;
  });
}
