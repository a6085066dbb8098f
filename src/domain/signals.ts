/**
 * CI signals: what check runs, check suites, commit statuses and workflow runs said about a
 * commit. The store keeps the latest per (repository, sha, kind, name); gates read them.
 */

export const SIGNAL_KINDS = ['check_run', 'check_suite', 'status', 'workflow_run'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** `pending` until it completes; then `success` (success, neutral, skipped) or `failure` (anything else). */
export const SIGNAL_STATES = ['pending', 'success', 'failure'] as const;
export type SignalState = (typeof SIGNAL_STATES)[number];

export interface CiSignal {
  /** `owner/name`, compared case-insensitively. */
  repo: string;
  sha: string;
  kind: SignalKind;
  /** The check run's name, the status context, the workflow's name, or a check suite's id. */
  name: string;
  /** The GitHub App that reported it (check runs and suites); null when unknown. */
  app: string | null;
  state: SignalState;
  /** As GitHub said it: the conclusion, or the status's state (`failure`, `timed_out`, `error`…). */
  conclusion: string | null;
  url: string | null;
  /**
   * Orders reports of one signal, compared left to right: a newer one replaces an older one and
   * an older one (a late delivery) is dropped. [run or status id, attempt, phase].
   */
  order: [number, number, number];
  receivedAt: number;
}

/** A signal as the dispatcher records it, with the apps whose waiting environments it may open. */
export interface SignalRecord {
  signal: CiSignal;
  /** Apps configured for the signal's repository. */
  apps: string[];
}
