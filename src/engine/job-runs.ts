import { redactUrl } from '../source/refs.js';

/** The last run of one background job, as `slipway status` shows it. */
export interface JobRun {
  name: string;
  /** When the run started and finished (ms since the epoch); `finishedAt` is null while it runs. */
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  outcome: 'running' | 'ok' | 'failed';
  /** What the run returned when that is a count (environments expired, deliveries recovered…); else null. */
  count: number | null;
  /** A failed run's error: its first line, cut short. */
  error: string | null;
}

/** An error's message can be long (a git command's output): status shows one line of it. */
const MAX_ERROR = 300;

/**
 * The last run of each background job the engine schedules. Every job goes through the
 * engine's `every`, which records here, so a job added later is recorded without more code.
 */
export class JobRuns {
  private readonly runs = new Map<string, JobRun>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A run starts; the function returned records how it ended (its value, or what it threw). */
  start(name: string): { ok(value: unknown): void; failed(error: unknown): void } {
    const startedAt = this.now();
    const run: JobRun = { name, startedAt, finishedAt: null, durationMs: null, outcome: 'running', count: null, error: null };
    this.runs.set(name, run);
    const end = (ended: Partial<JobRun>) => {
      // A slower earlier run ending after a newer one started must not hide the newer.
      if (this.runs.get(name) !== run) return;
      const finishedAt = this.now();
      this.runs.set(name, { ...run, finishedAt, durationMs: finishedAt - startedAt, ...ended });
    };
    return {
      ok: (value) => end({ outcome: 'ok', count: countOf(value) }),
      failed: (error) => end({ outcome: 'failed', error: oneLine(error) }),
    };
  }

  /** Each job's last run, by name. */
  list(): JobRun[] {
    return [...this.runs.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** A number, or how many items a list holds (the environments a sweep acted on). */
function countOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value)) return value.length;
  return null;
}

/** GitHub's token formats (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_). */
const GITHUB_TOKEN = /\b(gh[opusr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g;

/**
 * The first line of the error's message, cut short, with credentials a URL or a quoted
 * token could carry replaced: status is shown to whoever holds the API token, the whole
 * error is in the log.
 */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = redactUrl(message.split('\n', 1)[0]?.trim() ?? '').replace(GITHUB_TOKEN, '***');
  return line.length > MAX_ERROR ? `${line.slice(0, MAX_ERROR - 1)}…` : line;
}
