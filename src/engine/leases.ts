import type { Fence } from '../domain/environments.js';
import type { LeaseStore } from '../store/store.js';

/** How long a lease lasts without renewal when `engine.lease` is not given (its default). */
export const DEFAULT_LEASE_MS = 60_000;

/**
 * The lease that makes one writer per environment, by app and name (the orphan sweep knows
 * environments the store may not): the reconciler holds it for a pass, the orphan sweep for a destroy.
 */
export const environmentLease = (app: string, env: string): string => `env:${app}/${env}`;

export interface HeldLease {
  fence: Fence;
  /** Aborts when the lease is lost: another holder took it, or no renewal succeeded before it expired. */
  signal: AbortSignal;
  /**
   * Whether the lease is certainly held now: not lost, and renewed within its TTL by this
   * process's clock. The signal aborts only once a renewal answers; this is true no longer
   * than the lease lasts, even in a process paused past it (SIGSTOP) and not yet told.
   */
  held: () => boolean;
}

/** The reason `HeldLease.signal` aborts with. */
export class LeaseLost extends Error {
  readonly code = 'lease_lost';
}

/**
 * Runs `task` holding lease `name` for `holder`, renewed every third of `ttlMs`, and releases
 * it after. Resolves to null, without running `task`, while another holder has the lease.
 */
export async function withLease<T>(
  store: LeaseStore,
  name: string,
  holder: string,
  ttlMs: number,
  task: (held: HeldLease) => Promise<T>,
): Promise<{ value: T } | null> {
  const token = await store.acquireLease(name, holder, ttlMs).catch(() => null);
  if (token === null) return null;
  const lost = new AbortController();
  const lose = () => lost.abort(new LeaseLost(`the lease ${name} was lost (not renewed in time, or taken over): the work under it stopped`));
  let renewedAt = Date.now();
  const renew = async () => {
    // A renewal that hangs counts as none: past the expiry another holder may have it.
    if (Date.now() - renewedAt >= ttlMs) return lose();
    const asked = Date.now();
    const again = await store.acquireLease(name, holder, ttlMs).catch(() => undefined);
    if (again === token) renewedAt = Math.max(renewedAt, asked);
    // Another tenure (taken by another holder, or expired and taken anew): the fence is void.
    else if (again !== undefined) lose();
  };
  const timer = setInterval(() => void renew(), ttlMs / 3);
  try {
    const held = () => !lost.signal.aborted && Date.now() - renewedAt < ttlMs;
    return { value: await task({ fence: { lease: name, token }, signal: lost.signal, held }) };
  } finally {
    clearInterval(timer);
    await store.releaseLease(name, holder).catch(() => undefined);
  }
}
