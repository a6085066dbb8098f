import type { Config } from '../config/schema.js';
import type { DomainEvent } from '../events/domain.js';
import { appsFor, applyPolicy, type Intent, type PolicyResult } from './policy.js';

/**
 * What policy makes of one event, with the reasons: `slipway explain --event` prints it, and a
 * delivery's page shows it. Pure: no store, no I/O.
 */
export interface Explanation {
  event: string;
  /** `opened`, `published`, …; null for events without an action. */
  action: string | null;
  repository: string | null;
  /** The configured apps of the event's repository. */
  apps: string[];
  decisions: PolicyResult['decisions'];
  intents: Intent[];
  /** The CI result the event reports (check run, check suite, status, workflow run); else null. */
  signal: PolicyResult['signal'];
  /** Why nothing could match at all (an event slipway does not use, no app for the repository…); else null. */
  note: string | null;
}

/**
 * The event `name` (normalized: null for an event slipway does not use), the config, and what
 * policy makes of them. `configName` is how a note names the config (its file); null when none
 * was read.
 */
export function explainEvent(name: string, event: DomainEvent | null, config: Config, configName: string | null): Explanation {
  const base = { event: name, action: null, repository: null, apps: [], decisions: [], intents: [], signal: null };
  if (event === null) {
    return { ...base, note: `slipway does not act on "${name}" events: it would record the delivery and mark it ignored` };
  }
  const action = 'action' in event ? event.action : null;
  const repository = event.repository?.fullName ?? null;
  if (repository === null) return { ...base, action, note: `this ${name} event is about no repository` };
  const apps = appsFor(repository, config).map((app) => app.name);
  if (apps.length === 0) {
    const configured = config.apps.map((app) => `${app.name} (${app.repo})`).join(', ');
    const where = configName === null ? 'no config file was found (pass --config)' : configured === '' ? `${configName} has no apps` : `configured: ${configured}`;
    return { ...base, action, repository, note: `no app is configured for ${repository}; ${where}` };
  }
  const { decisions, intents, signal } = applyPolicy(event, config);
  const note = decisions.length === 0 ? `${name} events move no environment by themselves` : null;
  return { event: name, action, repository, apps, decisions, intents, signal, note };
}

/** `check_run build is completed (success)`, and what that does. */
export function describeSignal(signal: NonNullable<Explanation['signal']>): string {
  const { report } = signal;
  return `CI signal for ${report.sha}: ${report.kind} ${report.name} is ${report.state} (${report.conclusion ?? 'no conclusion yet'}); it opens or fails the gates waiting on that commit.`;
}

/** The environments the intents move, as `app/env`, each once. */
export function matchedEnvironments(intents: Intent[]): string[] {
  return [...new Set(intents.map((intent) => `${intent.app}/${intent.env}`))];
}

/** `follow webapp/pr-42 refs/pull/42/head`, `destroy webapp/pr-42 (pull request #42 was merged)`. */
export function describeIntent(intent: Intent): string {
  const where = `${intent.app}/${intent.env}`;
  switch (intent.kind) {
    case 'follow':
      return `follow ${where} ${intent.ref}`;
    case 'destroy':
      return `destroy ${where} (${intent.reason})`;
    case 'pin': {
      const what = intent.artifactRunId === null ? '' : ` (the artifact of workflow run ${intent.artifactRunId})`;
      return `deploy ${intent.sha}${what} to ${where}`;
    }
    case 'rollback':
      return `roll ${where} back (${intent.reason})`;
    case 'note':
      return `note on ${where}: ${intent.message}`;
  }
}
