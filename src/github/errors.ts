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
  /** The HTTP status GitHub answered with; null when no answer came (network, timeout) or none applies. */
  readonly answered: number | null;

  constructor(code: GitHubErrorCode, message: string, options: { cause?: unknown; answered?: number } = {}) {
    super(code, message, { status: STATUS[code], cause: options.cause });
    this.retryable = RETRYABLE.has(code);
    this.answered = options.answered ?? null;
  }
}

/** The fields of Octokit's RequestError (name `HttpError`) that slipway reads. */
interface OctokitError {
  status: number;
  message: string;
  cause?: unknown;
  response?: { headers: Record<string, string | number | undefined>; data?: unknown };
}

function isOctokitError(error: unknown): error is OctokitError {
  return error instanceof Error && error.name === 'HttpError' && typeof (error as { status?: unknown }).status === 'number';
}

/**
 * `error` from a GitHub call as a `GitHubError` whose message names the call (`what`, such as
 * `GET /repos/acme/web/installation`): 401 and other 403s `github_unauthorized`, 404/410
 * `github_not_found`, 429 and 403 rate limits `github_rate_limited`, 5xx, network failures and
 * timeouts `github_unavailable`, anything else `github_invalid_response`. A `GitHubError`
 * passes as it is. Messages quote at most GitHub's own message, never request headers; the
 * caller removes secrets it knows of (`withoutSecrets`).
 */
export function toGitHubError(error: unknown, what: string): GitHubError {
  if (error instanceof GitHubError) return error;
  if (isOctokitError(error) && error.response !== undefined) return statusError(error.status, error.response, what);
  // Octokit reports a failed fetch as status 500 without a response, the fetch error as cause.
  const cause: unknown = isOctokitError(error) ? error.cause : error;
  if (cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')) {
    return new GitHubError('github_unavailable', `${what} did not finish in time; try again later`);
  }
  if (cause instanceof TypeError) return new GitHubError('github_unavailable', `${what} failed: ${networkReason(cause)}; try again later`, { cause });
  const message = error instanceof Error ? error.message : String(error);
  return new GitHubError('github_invalid_response', `${what} failed: ${message}`);
}

function statusError(status: number, response: NonNullable<OctokitError['response']>, what: string): GitHubError {
  const header = (name: string) => (response.headers[name] === undefined ? null : String(response.headers[name]));
  const said = githubSaid(response.data);
  const retryAfter = header('retry-after');
  const limited = header('x-ratelimit-remaining') === '0' || retryAfter !== null || /\bsecondary rate\b/i.test(said);
  if (status === 429 || (status === 403 && limited)) {
    const reset = Number(header('x-ratelimit-reset'));
    const when = retryAfter !== null && /^\d+$/.test(retryAfter) ? `, retry after ${retryAfter} s` : reset > 0 ? `, the limit resets at ${new Date(reset * 1000).toISOString()}` : '';
    return new GitHubError('github_rate_limited', `GitHub rate-limited ${what} (HTTP ${status}${said})${when}; try again later`, { answered: status });
  }
  if (status === 401 || status === 403) {
    return new GitHubError('github_unauthorized', `GitHub refused ${what} (HTTP ${status}${said}); check that github.token or the GitHub App is valid and has the permissions slipway needs`, { answered: status });
  }
  if (status === 404 || status === 410) {
    return new GitHubError('github_not_found', `${what} found nothing (HTTP ${status}${said}); check the repository and that the credentials can see it`, { answered: status });
  }
  if (status >= 500) return new GitHubError('github_unavailable', `${what} failed with HTTP ${status}${said}; try again later`, { answered: status });
  return new GitHubError('github_invalid_response', `${what} answered with unexpected HTTP ${status}${said}`, { answered: status });
}

/** `error` with every one of `secrets` cut out of its message. */
export function withoutSecrets(error: GitHubError, secrets: readonly string[]): GitHubError {
  const message = secrets.reduce((text, secret) => (secret === '' ? text : text.split(secret).join('[redacted]')), error.message);
  return message === error.message ? error : new GitHubError(error.code, message, { cause: error.cause, ...(error.answered === null ? {} : { answered: error.answered }) });
}

/** Why a `fetch` failed (`ECONNREFUSED`, …): fetch reports network failures as TypeError with the cause inside. */
export function networkReason(error: TypeError): string {
  const cause: unknown = error.cause;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return error.message;
}

/** `: GitHub said "Bad credentials"` from a JSON error body, else nothing. */
function githubSaid(data: unknown): string {
  const message: unknown = typeof data === 'object' && data !== null ? (data as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message !== '' ? `: GitHub said "${message.slice(0, 200)}"` : '';
}
