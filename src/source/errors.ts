import { SlipwayError } from '../errors.js';

/** Stable codes of `SourceError`, for logs, tests and the engine's decisions. */
export const SOURCE_ERROR_CODES = [
  /** A ref or sha that is not a valid name (payload text that git must never see). */
  'ref_invalid',
  /** The remote does not have that ref (deleted branch, closed fork). */
  'ref_not_found',
  /** The remote no longer has that commit on the ref (force-push): resolve again. */
  'sha_not_found',
  /** A remote URL slipway refuses to pass to git. */
  'remote_invalid',
  /** The remote cannot be reached or refused us (network, missing repository, credentials). */
  'remote_unreachable',
  /** The worktree folder exists and is not a slipway worktree. */
  'dir_conflict',
  /** git failed for another reason (disk full, corrupt mirror, git missing). */
  'git_failed',
  /** A git command ran out of time and was killed. */
  'timeout',
  /** The caller's signal fired; the git command was stopped. */
  'aborted',
  /** An artifact zip holds an entry that would land outside its folder, or is not a plain file or folder. */
  'artifact_unsafe',
  /** An artifact zip unpacks to more bytes or files than the limits allow. */
  'artifact_too_large',
  /** An artifact is not a zip, or is corrupt, encrypted or has entries that clash. */
  'artifact_invalid',
] as const;

export type SourceErrorCode = (typeof SOURCE_ERROR_CODES)[number];

const STATUS: Record<SourceErrorCode, number> = {
  ref_invalid: 400,
  ref_not_found: 404,
  sha_not_found: 404,
  remote_invalid: 400,
  remote_unreachable: 502,
  dir_conflict: 409,
  git_failed: 500,
  timeout: 504,
  aborted: 503,
  artifact_unsafe: 422,
  artifact_too_large: 413,
  artifact_invalid: 422,
};

/**
 * What source/ throws. Messages say what failed and what to do next, quote git's own
 * error line when there is one, and never contain a token (callers scrub git's output).
 */
export class SourceError extends SlipwayError {
  declare readonly code: SourceErrorCode;

  constructor(code: SourceErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { status: STATUS[code], cause: options.cause });
  }
}

const MAX_LINE = 300;

/**
 * The line of git's stderr worth quoting: the first `fatal:`/`error:` line, else the first
 * non-empty one, shortened. Pass scrubbed text: this does not remove secrets.
 */
export function stderrLine(stderr: string): string {
  const lines = stderr.split(/\r?\n|\r/).map((line) => line.trim()).filter((line) => line !== '');
  const line = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? '';
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

/** `<what> failed: git said "<line>". <hint>` */
export function gitMessage(what: string, stderr: string, hint: string): string {
  const line = stderrLine(stderr);
  const said = line === '' ? 'failed' : `failed: git said "${line}"`;
  return hint === '' ? `${what} ${said}` : `${what} ${said}. ${hint}`;
}
