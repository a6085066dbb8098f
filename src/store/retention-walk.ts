import type { PruneBatch } from './retention.js';

/** A delivery as a retention batch walks them, in seq order. */
export interface Arrival {
  seq: number;
  receivedAt: number;
  status: string;
}

/**
 * Which of a batch of deliveries (or their payloads) go, and where the next batch continues.
 * Deliveries arrive in seq order, so the walk stops at the first one younger than `before`. A
 * pending delivery keeps its payload and row whatever its age: the dispatcher needs both.
 */
export function walkArrivals(rows: readonly Arrival[], before: number, limit: number): { drop: number[]; batch: PruneBatch } {
  const drop: number[] = [];
  for (const row of rows) {
    if (row.receivedAt >= before) return { drop, batch: { removed: drop.length, next: null } };
    if (row.status !== 'pending') drop.push(row.seq);
  }
  return { drop, batch: { removed: drop.length, next: rows.length < limit ? null : (rows.at(-1)?.seq ?? null) } };
}
