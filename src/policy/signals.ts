import type { CheckRunEvent, CheckSuiteEvent, DomainEvent, StatusEvent, WorkflowRunEvent } from '../events/domain.js';
import type { CiSignal, SignalState } from '../domain/signals.js';

/** A CI signal as policy reads it from an event; the dispatcher adds when it arrived. */
export type SignalReport = Omit<CiSignal, 'receivedAt'>;

/** Conclusions that pass, as GitHub's branch protection counts them. */
const PASSING = new Set(['success', 'neutral', 'skipped']);

/** Queued and requested < in progress < completed: a late `in_progress` never undoes `completed`. */
function phase(status: string | null): number {
  if (status === 'completed') return 2;
  if (status === 'in_progress') return 1;
  return 0;
}

function verdict(status: string | null, conclusion: string | null): SignalState {
  if (status !== 'completed') return 'pending';
  return conclusion !== null && PASSING.has(conclusion) ? 'success' : 'failure';
}

type Repo = { repository: { fullName: string } };

/** A check run as a signal (from its webhook, or read through the API). */
export function checkRunSignal(event: Repo & Pick<CheckRunEvent, 'id' | 'name' | 'status' | 'conclusion' | 'headSha' | 'appSlug' | 'htmlUrl'>): SignalReport {
  return {
    repo: event.repository.fullName,
    sha: event.headSha,
    kind: 'check_run',
    name: event.name,
    app: event.appSlug,
    state: verdict(event.status, event.conclusion),
    conclusion: event.conclusion,
    url: event.htmlUrl,
    // A re-run is a new check run with a larger id.
    order: [event.id, 0, phase(event.status)],
  };
}

/** A check suite as a signal (from its webhook, or read through the API). */
export function checkSuiteSignal(event: Repo & Pick<CheckSuiteEvent, 'id' | 'status' | 'conclusion' | 'headSha' | 'appSlug'>): SignalReport {
  return {
    repo: event.repository.fullName,
    sha: event.headSha,
    kind: 'check_suite',
    name: String(event.id),
    app: event.appSlug,
    state: verdict(event.status, event.conclusion),
    conclusion: event.conclusion,
    url: null,
    order: [event.id, 0, phase(event.status)],
  };
}

/** A commit status as a signal (from its webhook, or read through the API). */
export function statusSignal(event: Repo & Pick<StatusEvent, 'id' | 'sha' | 'context' | 'state' | 'targetUrl'>): SignalReport {
  const state: SignalState = event.state === 'success' ? 'success' : event.state === 'pending' ? 'pending' : 'failure';
  return {
    repo: event.repository.fullName,
    sha: event.sha,
    kind: 'status',
    name: event.context,
    app: null,
    state,
    conclusion: event.state,
    url: event.targetUrl,
    // Every new status of a context gets a larger id.
    order: [event.id, 0, 0],
  };
}

/** A workflow run as a signal (from its webhook, or read through the API). */
export function workflowRunSignal(
  event: Repo & Pick<WorkflowRunEvent, 'id' | 'name' | 'path' | 'runAttempt' | 'status' | 'conclusion' | 'headSha' | 'htmlUrl'>,
): SignalReport {
  return {
    repo: event.repository.fullName,
    sha: event.headSha,
    kind: 'workflow_run',
    name: event.name ?? event.path ?? String(event.id),
    app: 'github-actions',
    state: verdict(event.status, event.conclusion),
    conclusion: event.conclusion,
    url: event.htmlUrl,
    // A re-run keeps the run id and counts up the attempt.
    order: [event.id, event.runAttempt, phase(event.status)],
  };
}

/**
 * What a CI event says about its commit, or null for other events. Signals are matched by
 * sha only: on a fork's head GitHub sends no branch and no pull requests.
 */
export function signalOf(event: DomainEvent): SignalReport | null {
  switch (event.kind) {
    case 'check_run':
      return checkRunSignal(event);
    case 'check_suite':
      return checkSuiteSignal(event);
    case 'status':
      return statusSignal(event);
    case 'workflow_run':
      return workflowRunSignal(event);
    default:
      return null;
  }
}
