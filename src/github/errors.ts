import { SlipwayError } from '../errors.js';

/** Stable codes of `GitHubError`, for logs, tests and the engine's decisions. */
export const GITHUB_ERROR_CODES = [
  /** GitHub refused the token (401, or 403 that is not a rate limit): fix the token or its scopes. */
  'github_unauthorized',
  /** 404 (or 410): the repository, run or artifact does not exist or the token cannot see it. */
  'github_not_found',
  /** 403/429 with `x-ratelimit-remaining: 0` or `retry-after`: try again later. */
  'github_rate_limited',
  /** 5xx, a network error or a timeout: try again later. */
  'github_unavailable',
  /** An answer slipway cannot use: not JSON, an unexpected shape or status, too many redirects. */
  'github_invalid_response',
  /** The workflow run has no unexpired artifact of that name. */
  'artifact_not_found',
  /** The workflow run had an artifact of that name, but GitHub has deleted its contents. */
  'artifact_expired',
  /** The download is larger than the limit. */
  'artifact_too_large',
] as const;

export type GitHubErrorCode = (typeof GITHUB_ERROR_CODES)[number];

const STATUS: Record<GitHubErrorCode, number> = {
  github_unauthorized: 502,
  github_not_found: 404,
  github_rate_limited: 503,
  github_unavailable: 502,
  github_invalid_response: 502,
  artifact_not_found: 404,
  artifact_expired: 410,
  artifact_too_large: 413,
};

/** Failures that pass by themselves; the others need a person to change something. */
const RETRYABLE: ReadonlySet<GitHubErrorCode> = new Set(['github_unavailable', 'github_rate_limited']);

/** What github/ throws. Messages never contain the token or a signed download URL's query. */
export class GitHubError extends SlipwayError {
  declare readonly code: GitHubErrorCode;
  /** True when the same call may succeed later without anyone changing anything. */
  readonly retryable: boolean;

  constructor(code: GitHubErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { status: STATUS[code], cause: options.cause });
    this.retryable = RETRYABLE.has(code);
  }
}
