import type { EnvironmentChange } from '../domain/environments.js';

/**
 * A change from an event older than the newest one applied to the environment is stale (a late
 * or replayed delivery). GitHub's times have one-second steps, so on a tie a follow does not
 * undo a destroy: a pull request closed and synchronized within one second stays closed.
 */
export function isStale(change: EnvironmentChange, current: { eventAt: number | null; present: boolean } | undefined): boolean {
  if (change.kind !== 'follow' && change.kind !== 'destroy') return false;
  const at = change.eventAt;
  if (at === undefined || at === null || current?.eventAt === undefined || current.eventAt === null) return false;
  if (at < current.eventAt) return true;
  return at === current.eventAt && change.kind === 'follow' && !current.present;
}
