import { isBranchName } from '../config/environments.js';
import { InputError } from '../errors.js';
import { onlyFields } from './json-body.js';

/**
 * What `POST /api/environments/:app/:env/deploy` asks for: follow a ref, pin a sha, follow
 * the ref it had again (`{follow: true}`: ends a pin or rollback, lifts a quarantine), or
 * (no body) converge again to what is already desired.
 */
export type DeployRequest =
  | { kind: 'follow'; ref: string }
  | { kind: 'pin'; sha: string }
  | { kind: 'refollow' }
  | { kind: 'redeploy' };

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const MAX_REF_LENGTH = 1024;
/** An environment name as slipway makes them: a DNS label. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const REF_HINT = 'ref must be a full ref such as refs/heads/main or refs/tags/v1.2.0, or a branch name such as main';
export const SHA_HINT = 'sha must be a full commit sha: 40 (or 64, for SHA-256 repositories) hexadecimal characters';

export function parseDeployRequest(body: Record<string, unknown> | undefined): DeployRequest {
  if (body === undefined) return { kind: 'redeploy' };
  onlyFields(body, ['ref', 'sha', 'follow']);
  const { ref, sha, follow } = body;
  const given = [ref, sha, follow].filter((value) => value !== undefined).length;
  if (given > 1) {
    throw new InputError('bad_body', 'give one of ref, sha or follow: ref follows a branch or tag, sha pins one commit, follow: true follows the ref again');
  }
  if (follow !== undefined) {
    if (follow !== true) throw new InputError('bad_body', 'follow must be true (leave it out otherwise)');
    return { kind: 'refollow' };
  }
  if (ref !== undefined) {
    if (typeof ref !== 'string') throw new InputError('invalid_ref', REF_HINT);
    return { kind: 'follow', ref: fullRef(ref) };
  }
  if (sha !== undefined) {
    if (typeof sha !== 'string') throw new InputError('invalid_sha', SHA_HINT);
    return { kind: 'pin', sha: commitSha(sha) };
  }
  return { kind: 'redeploy' };
}

/**
 * What to deploy, as one text (the dashboard's deploy field): a full commit sha pins it, anything
 * else is a ref (or branch name) to follow.
 */
export function parseDeployTarget(text: string): DeployRequest {
  const value = text.trim();
  if (value === '') throw new InputError('bad_form', 'give a ref (a branch such as main, or refs/tags/v1.2.0) or a full commit sha to deploy');
  return SHA.test(value) ? { kind: 'pin', sha: commitSha(value) } : { kind: 'follow', ref: fullRef(value) };
}

/** `refs/…` as given, a plain branch name as `refs/heads/<name>`; git's ref-name rules apply to both. */
export function fullRef(text: string): string {
  const full = text.startsWith('refs/');
  // A full ref names a namespace and a name (refs/heads/x, refs/tags/v1, refs/pull/7/head).
  const valid = text.length <= MAX_REF_LENGTH && isBranchName(text) && (!full || text.split('/').length >= 3);
  if (!valid) throw new InputError('invalid_ref', REF_HINT);
  return full ? text : `refs/heads/${text}`;
}

export function commitSha(text: string): string {
  if (!SHA.test(text)) throw new InputError('invalid_sha', SHA_HINT);
  return text.toLowerCase();
}

export function isEnvironmentName(name: string): boolean {
  return LABEL.test(name);
}

/** The branch of `refs/heads/<branch>`, else null. */
export function branchOf(ref: string): string | null {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
}

/** The pull request number of `refs/pull/<n>/head` or `/merge`, else null. */
export function pullRequestOf(ref: string): number | null {
  const match = /^refs\/pull\/([1-9][0-9]{0,9})\/(?:head|merge)$/.exec(ref);
  return match?.[1] === undefined ? null : Number(match[1]);
}
