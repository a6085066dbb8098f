import type { FinishedDeployment } from '../store/store.js';

const HOUR_MS = 3_600_000;
/** The overview covers this many hours: the current one and those before it. */
const HOURS = 24;

/** One hour of the overview. */
export interface HourFigures {
  /** When the hour starts (ms, on a whole UTC hour). */
  start: number;
  succeeded: number;
  /** Ended `failure` or `error`. */
  failed: number;
  /** Ended otherwise: superseded, cancelled, its environment destroyed before it finished. */
  other: number;
  /** The median time from a delivery's arrival to the success of a deployment it started; null when none. */
  readyMedianMs: number | null;
  /** How many successes the median is of. */
  readyCount: number;
}

export interface OverviewFigures {
  /** The start of the first hour. */
  since: number;
  hours: HourFigures[];
  total: Omit<HourFigures, 'start'>;
}

/** The first hour the overview shows at `now`: 23 whole hours before the current one. */
export function overviewSince(now: number): number {
  return Math.floor(now / HOUR_MS) * HOUR_MS - (HOURS - 1) * HOUR_MS;
}

/** Deployments that finished since `overviewSince(now)`, counted per hour and outcome, with webhook-to-ready medians. */
export function overviewFigures(finished: FinishedDeployment[], now: number): OverviewFigures {
  const since = overviewSince(now);
  const buckets = Array.from({ length: HOURS }, (_, index) => ({ start: since + index * HOUR_MS, rows: [] as FinishedDeployment[] }));
  for (const row of finished) buckets[Math.floor((row.finishedAt - since) / HOUR_MS)]?.rows.push(row);
  return { since, hours: buckets.map(({ start, rows }) => ({ start, ...figures(rows) })), total: figures(buckets.flatMap(({ rows }) => rows)) };
}

function figures(rows: FinishedDeployment[]): Omit<HourFigures, 'start'> {
  const count = (test: (row: FinishedDeployment) => boolean) => rows.filter(test).length;
  const ready = rows.flatMap((row) => (row.outcome === 'success' && row.receivedAt !== null ? [Math.max(0, row.finishedAt - row.receivedAt)] : []));
  return {
    succeeded: count((row) => row.outcome === 'success'),
    failed: count((row) => row.outcome === 'failure' || row.outcome === 'error'),
    other: count((row) => row.outcome !== 'success' && row.outcome !== 'failure' && row.outcome !== 'error'),
    readyMedianMs: median(ready),
    readyCount: ready.length,
  };
}

/** The middle value (the mean of the two middle ones for an even count); null for none. */
function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? null) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
