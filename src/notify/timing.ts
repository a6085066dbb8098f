/** How notifications are retried and timed; tests shorten it, the config does not expose it. */
export interface NotifyTiming {
  /** The wait after the first failed try; it doubles with each try, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** How long a notification is tried (from when it was queued or resent) before it fails for good. */
  windowMs: number;
  /** How long one request may take, answer included. */
  timeoutMs: number;
  /** The slow look at the store beside the nudges (events, resends). */
  pollMs: number;
  /** How long a request in flight when slipway stops may take to finish before it is cut. */
  stopGraceMs: number;
}

export const DEFAULT_TIMING: NotifyTiming = {
  firstDelayMs: 2000,
  maxDelayMs: 10 * 60_000,
  windowMs: 24 * 3_600_000,
  timeoutMs: 10_000,
  pollMs: 5000,
  stopGraceMs: 2000,
};

/**
 * When to try a notification again after its `attempts`-th failed try, or null to give up: its
 * window has closed. `Retry-After` wins over the backoff; a jitter of ±20% keeps receivers that
 * came back from getting every backlog at the same instant. The last try is at the window's end.
 */
export function nextTry(attempts: number, retryAfterMs: number | null, since: number, now: number, timing: NotifyTiming, random = Math.random): number | null {
  const deadline = since + timing.windowMs;
  if (now >= deadline) return null;
  const backoff = Math.min(timing.maxDelayMs, timing.firstDelayMs * 2 ** Math.max(0, attempts - 1)) * (0.8 + 0.4 * random());
  return Math.min(deadline, now + Math.round(retryAfterMs ?? backoff));
}
