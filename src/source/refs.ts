import { SourceError } from './errors.js';

/**
 * Validation of the names source/ hands to git. Refs and shas come from webhook payloads:
 * they are data, so each is checked against git's own naming rules (`git check-ref-format`)
 * before any git runs, and never becomes shell text or a path.
 */

const MAX_REF = 1024;
const KINDS = /^refs\/(?:heads\/.+|tags\/.+|pull\/[1-9][0-9]{0,9}\/head)$/;
/** Control characters, DEL, and what check-ref-format forbids anywhere: space ~ ^ : ? * [ \ */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\x00-\x20\x7f~^:?*[\\]/;

/** Why `ref` breaks git's ref-name rules, or null when it follows them. */
function refProblem(ref: string): string | null {
  if (ref.startsWith('-')) return 'it starts with "-"';
  if (FORBIDDEN_CHARS.test(ref)) return 'it contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (ref.includes('..')) return 'it contains ".."';
  if (ref.includes('@{')) return 'it contains "@{"';
  if (ref.endsWith('/') || ref.endsWith('.')) return 'it ends with "/" or "."';
  for (const part of ref.split('/')) {
    if (part === '') return 'it has an empty path component ("//")';
    if (part.startsWith('.')) return 'a path component starts with "."';
    if (part.endsWith('.lock')) return 'a path component ends with ".lock"';
  }
  return null;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}

/** A full ref slipway deploys from: `refs/heads/<branch>`, `refs/tags/<tag>` or `refs/pull/<n>/head`. */
export function validateRef(ref: string): string {
  const problem =
    typeof ref !== 'string' || ref.length > MAX_REF
      ? `it is not text of at most ${MAX_REF} characters`
      : (refProblem(ref) ?? (KINDS.test(ref) ? null : 'expected refs/heads/<branch>, refs/tags/<tag> or refs/pull/<n>/head'));
  if (problem === null) return ref;
  throw new SourceError('ref_invalid', `ref ${quote(String(ref))} is not a ref slipway can deploy: ${problem}`);
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function isSha(text: string): boolean {
  return typeof text === 'string' && SHA.test(text.toLowerCase());
}

/** A full commit id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories); returned lowercase. */
export function validateSha(sha: string): string {
  if (isSha(sha)) return sha.toLowerCase();
  throw new SourceError('ref_invalid', `commit ${quote(String(sha))} is not a full commit id (40 or 64 hex digits)`);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * A remote URL from config (`https://…`, `ssh://…`, `git@host:path`, `file://…` or a path).
 * Refused: option-like text, control characters, and git's command-running transports.
 */
export function validateRemote(url: string): string {
  const bad =
    typeof url !== 'string' || url === '' || url.length > 2048 || url.startsWith('-') || CONTROL.test(url) || /^(ext|fd)::/i.test(url);
  if (!bad) return url;
  throw new SourceError('remote_invalid', `remote ${quote(redactUrl(String(url)))} is not a git URL slipway accepts; use https://, ssh://, file:// or a path`);
}

/** `text` with the user info of every URL in it (`https://user:secret@host/`) replaced, for messages and logs. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
}

export function isHttps(url: string): boolean {
  return /^https:\/\//i.test(url);
}
