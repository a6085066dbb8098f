import type { AppConfig } from '../config/schema.js';
import type { DomainEvent } from '../events/domain.js';
import type { ApprovalNote } from '../domain/approvals.js';
import type { Intent } from './intent.js';

/** The comment that approves a fork's preview at its current head. */
export const APPROVE_COMMAND = '/slipway deploy';

/** True when one of the app's pull request environments previews forks by approval. */
export function approvesForks(app: AppConfig): boolean {
  return app.environments.some((env) => env.track.kind === 'pullRequests' && env.track.forks === 'approve');
}

/**
 * What an event says about fork approvals: a fork pull request followed under `forks: approve`
 * has a (new) head, or a `/slipway deploy` comment on a pull request asks for approval. Whether
 * the commenter may approve, and for which head, needs the API: github/approvals.ts decides.
 */
export function approvalNote(event: DomainEvent, apps: AppConfig[], intents: Intent[]): ApprovalNote | null {
  const approving = apps.filter(approvesForks);
  if (event.kind === 'pull_request') {
    const followed = intents.some((intent) => intent.kind === 'follow' && intent.fork === true && approving.some((app) => app.name === intent.app));
    return followed ? { kind: 'head', repo: event.repository.fullName, pr: event.number, sha: event.head.sha } : null;
  }
  if (event.kind !== 'issue_comment' || event.action !== 'created' || !event.pullRequest || event.author === null) return null;
  if (event.body.trim() !== APPROVE_COMMAND || approving.length === 0) return null;
  return { kind: 'request', repo: event.repository.fullName, pr: event.number, login: event.author };
}
