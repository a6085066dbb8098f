import type { AppConfig, EnvironmentConfig, Track } from '../config/schema.js';
import type { PullRequestEvent } from '../events/domain.js';
import { firstMatch } from './glob.js';
import { keepLabel } from './commands.js';
import { skip, type Outcome } from './intent.js';
import { slugName } from '../names.js';
import { describeTrack, TRUSTED_ASSOCIATIONS } from './rules.js';

/** Actions after which a pull request is checked against the rule: followed when it qualifies, destroyed when not. */
export const EVALUATED_ACTIONS = [
  'opened',
  'reopened',
  'synchronize',
  'ready_for_review',
  'converted_to_draft',
  'labeled',
  'unlabeled',
  'edited',
] as const;

const isEvaluated = (action: string): boolean => (EVALUATED_ACTIONS as readonly string[]).includes(action);

type PullRequestTrack = Extract<Track, { kind: 'pullRequests' }>;

/** Why a pull request gets no environment under `track`; empty when it qualifies. */
export function ineligibility(event: PullRequestEvent, track: PullRequestTrack): string[] {
  const problems: string[] = [];
  if (event.fork && track.forks === 'deny') problems.push('fork PRs are denied (forks: deny)');
  if (event.fork && track.forks === 'trusted' && !(TRUSTED_ASSOCIATIONS as readonly string[]).includes(event.authorAssociation)) {
    problems.push(
      `fork PRs need an author who is ${TRUSTED_ASSOCIATIONS.join(', ')} (forks: trusted); this author is ${event.authorAssociation}`,
    );
  }
  if (firstMatch(track.base, event.base.ref) === null) {
    problems.push(`base ${event.base.ref} is not in [${track.base.join(', ')}]`);
  }
  if (event.draft && !track.drafts) problems.push('draft pull requests get no environment (drafts: false)');
  const present = new Set(event.labels.map((label) => label.toLowerCase()));
  const missing = track.labels.filter((label) => !present.has(label.toLowerCase()));
  if (missing.length === 1) problems.push(`label ${missing[0]} is required`);
  if (missing.length > 1) problems.push(`labels ${missing.join(', ')} are required`);
  return problems;
}

/** Preview environments: one per qualifying pull request, gone when it closes or stops qualifying. */
export function onPullRequest(event: PullRequestEvent, app: AppConfig, env: EnvironmentConfig): Outcome {
  const track = env.track;
  if (track.kind !== 'pullRequests') return skip(`follows ${describeTrack(env)}, not pull requests`);
  const pr = `pull request #${event.number}`;
  const name = slugName(env.name, { number: event.number, app: app.name });
  const trigger = `pull_request.${event.action}`;
  const destroy = (reason: string): Outcome => ({
    intent: { kind: 'destroy', app: app.name, env: name, reason, trigger },
    reason: `${reason}; destroy ${name}`,
  });
  if (event.action === 'closed') return destroy(`${pr} was ${event.merged ? 'merged' : 'closed without merging'}`);
  if (!isEvaluated(event.action)) return skip(`${pr} ${event.action}: this action does not change preview environments`);
  if (event.state !== 'open') return destroy(`${pr} is ${event.state}`);
  const problems = ineligibility(event, track);
  if (problems.length > 0) {
    // Nothing can exist yet for a pull request that was just opened: there is nothing to destroy.
    if (event.action === 'opened') return skip(`${pr} gets no environment: ${problems.join('; ')}`);
    return destroy(`${pr} no longer qualifies: ${problems.join('; ')}`);
  }
  const ref = `refs/pull/${event.number}/head`;
  const keep = keepLabel(event);
  return {
    intent: {
      kind: 'follow',
      app: app.name,
      env: name,
      ref,
      sha: event.head.sha,
      pr: event.number,
      branch: event.head.ref,
      trigger,
      ttlMs: env.ttlMs,
      fork: event.fork,
      ...(keep === undefined ? {} : { keep }),
    },
    reason: `${pr} (${event.head.ref} into ${event.base.ref}) ${event.action}: ${name} follows ${ref}`,
  };
}
