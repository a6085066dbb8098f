import { normalizeCheckRun, normalizeCheckSuite } from './checks.js';
import { normalizeDeployment, normalizeDeploymentStatus } from './deployment.js';
import type { DomainEvent } from './domain.js';
import { normalizeIssueComment } from './issue-comment.js';
import { normalizePing } from './ping.js';
import { normalizePullRequest } from './pull-request.js';
import { normalizePush } from './push.js';
import { normalizeCreate, normalizeDelete } from './refs.js';
import { normalizeRelease } from './release.js';
import { normalizeStatus } from './status.js';
import { normalizeWorkflowRun } from './workflow-run.js';

/** The GitHub events slipway acts on (`X-GitHub-Event`); every other event is ignored. */
export const ESSENTIAL_EVENTS = [
  'ping',
  'push',
  'pull_request',
  'create',
  'delete',
  'deployment',
  'deployment_status',
  'release',
  'check_run',
  'check_suite',
  'workflow_run',
  'status',
  'issue_comment',
] as const;
export type EssentialEvent = (typeof ESSENTIAL_EVENTS)[number];

/** Turns a payload of event `E` into the domain event of the same `kind`, or throws PayloadError. */
export type Normalizer<E extends EssentialEvent> = (payload: unknown) => Extract<DomainEvent, { kind: E }>;

/** The registry: one normalizer per essential event; a missing, extra or mismatched entry fails `tsc`. */
export const NORMALIZERS = Object.freeze({
  ping: normalizePing,
  push: normalizePush,
  pull_request: normalizePullRequest,
  create: normalizeCreate,
  delete: normalizeDelete,
  deployment: normalizeDeployment,
  deployment_status: normalizeDeploymentStatus,
  release: normalizeRelease,
  check_run: normalizeCheckRun,
  check_suite: normalizeCheckSuite,
  workflow_run: normalizeWorkflowRun,
  status: normalizeStatus,
  issue_comment: normalizeIssueComment,
} satisfies { [E in EssentialEvent]: Normalizer<E> });

/** True for the events slipway normalizes. Own keys only: `constructor` or `__proto__` are not events. */
export function isEssentialEvent(event: string): event is EssentialEvent {
  return Object.hasOwn(NORMALIZERS, event);
}

/**
 * Normalizes the payload of a GitHub event (the `X-GitHub-Event` header value).
 * Returns null for an event slipway does not use; the caller marks the delivery ignored.
 * Throws PayloadError when the payload of an event slipway uses lacks a field it needs.
 * Every action of an essential event normalizes; policy decides which ones matter.
 */
export function normalize(event: string, payload: unknown): DomainEvent | null {
  if (!isEssentialEvent(event)) return null;
  const normalizer: (payload: unknown) => DomainEvent = NORMALIZERS[event];
  return normalizer(payload);
}

/** Normalizing as a value: the domain event (null for events slipway does not use), or why not. */
export type Normalized = { ok: true; event: DomainEvent | null } | { ok: false; reason: string };

/** `normalize` that never throws: any failure becomes a readable reason. */
export function tryNormalize(event: string, payload: unknown): Normalized {
  try {
    return { ok: true, event: normalize(event, payload) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** `tryNormalize` of payload text, as read back from the inbox. */
export function tryNormalizeText(event: string, text: string): Normalized {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${event} payload: not valid JSON` };
  }
  return tryNormalize(event, payload);
}
