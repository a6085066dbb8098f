import type { GitHub } from './client.js';
import { GitHubError } from './errors.js';

/** The client and the `owner`/`repo` parameters for calls about one repository. */
export interface RepoCall {
  github: GitHub;
  owner: string;
  repo: string;
  /**
   * Per call: no retries by the retry plugin (the reporter keeps what failed and tries again
   * with its own backoff), and an abort when slipway stops.
   */
  request: { retries: number; signal: AbortSignal };
}

/** GitHub answered that the thing asked about does not exist (any more) or cannot be made: 404, 410, 422. */
export function isGone(error: unknown): boolean {
  return error instanceof GitHubError && [404, 410, 422].includes(error.answered ?? 0);
}

/** What a log line may say of a failed call: its HTTP status and message, never headers or tokens. */
export function failureOf(error: unknown): { status?: number; reason: string } {
  const reason = error instanceof Error ? error.message.slice(0, 300) : String(error);
  return error instanceof GitHubError && error.answered !== null ? { status: error.answered, reason } : { reason };
}
