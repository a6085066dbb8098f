import { isFixedEnvironment, type EnvironmentConfig } from '../config/environments.js';
import type { AppConfig, Config } from '../config/schema.js';
import type { DomainEvent } from '../events/domain.js';
import { approvalNote } from './approvals.js';
import { commandNote } from './commands.js';
import { onDeployment, onDeploymentStatus } from './deployments.js';
import { skip, type Decision, type Intent, type Outcome, type PolicyResult } from './intent.js';
import { onPullRequest } from './pull-requests.js';
import { fromCreateOrDelete, fromPush, onRefChange } from './refs.js';
import { onRelease } from './releases.js';
import { signalOf } from './signals.js';
import { onWorkflowRun } from './workflow-runs.js';

export type { Decision, Intent, PolicyResult } from './intent.js';

type Evaluate = (app: AppConfig, env: EnvironmentConfig) => Outcome;

/** The apps configured for a repository (`owner/name`, compared case-insensitively, as GitHub does). */
export function appsFor(repository: string, config: Config): AppConfig[] {
  const wanted = repository.toLowerCase();
  return config.apps.filter((app) => app.repo.toLowerCase() === wanted);
}

function evaluatorFor(event: DomainEvent): { repository: string; evaluate: Evaluate } | null {
  const repository = event.repository?.fullName;
  if (repository === undefined) return null;
  switch (event.kind) {
    case 'push': {
      const change = fromPush(event);
      return { repository, evaluate: (app, env) => onRefChange(change, app, env) };
    }
    case 'create':
    case 'delete': {
      const change = fromCreateOrDelete(event);
      return { repository, evaluate: (app, env) => onRefChange(change, app, env) };
    }
    case 'pull_request':
      return { repository, evaluate: (app, env) => onPullRequest(event, app, env) };
    case 'release':
      return { repository, evaluate: (app, env) => onRelease(event, app, env) };
    case 'deployment':
      return { repository, evaluate: (app, env) => onDeployment(event, app, env) };
    case 'deployment_status':
      return { repository, evaluate: (app, env) => onDeploymentStatus(event, app, env) };
    case 'workflow_run':
      return { repository, evaluate: (app, env) => onWorkflowRun(event, app, env) };
    default:
      // Check runs, suites and statuses are CI signals only, comments approval requests and commands; other events move no environment.
      return null;
  }
}

/**
 * What an event means for the configured environments: intents for the engine, and one
 * decision per environment of every app of the event's repository, saying why it matched or
 * not. Pure: no I/O, and the same input always gives the same output.
 */
export function applyPolicy(event: DomainEvent, config: Config): PolicyResult {
  const report = signalOf(event);
  const signal = report === null ? null : { report, apps: appsFor(report.repo, config).map((app) => app.name) };
  const evaluator = evaluatorFor(event);
  const apps = event.repository ? appsFor(event.repository.fullName, config) : [];
  if (evaluator === null) return { intents: [], decisions: [], signal, approval: approvalNote(event, apps, []), command: commandNote(event, apps) };
  const intents: Intent[] = [];
  const decisions: Decision[] = [];
  // A pull request's deliveries carry its updated_at, so a stale one (late, or replayed) is known.
  const eventAt = event.kind === 'pull_request' ? event.updatedAt : null;
  for (const app of appsFor(evaluator.repository, config)) {
    const fixed = new Set(app.environments.filter(isFixedEnvironment).map((env) => env.name));
    const claimed = new Map<string, string>();
    for (const env of app.environments) {
      const outcome = guardName(evaluator.evaluate(app, env), env, fixed, claimed);
      decisions.push({ app: app.name, environment: env.name, matched: outcome.intent !== null, reason: outcome.reason });
      if (outcome.intent !== null) intents.push(withContext(outcome.intent, env.name, eventAt));
    }
  }
  return { intents, decisions, signal, approval: approvalNote(event, apps, intents), command: null };
}

/** Follows and pins remember the configured environment they come from (its gate, rollback…). */
function withContext(intent: Intent, rule: string, eventAt: number | null): Intent {
  const ruled = intent.kind === 'follow' || intent.kind === 'pin' ? { ...intent, rule } : intent;
  return eventAt === null || (ruled.kind !== 'follow' && ruled.kind !== 'destroy') ? ruled : { ...ruled, eventAt };
}

/**
 * A templated name must never land on a fixed environment (a branch called `production` must
 * not move or destroy production), nor on a name another rule took for the same event.
 */
function guardName(outcome: Outcome, env: EnvironmentConfig, fixed: Set<string>, claimed: Map<string, string>): Outcome {
  if (outcome.intent === null) return outcome;
  const name = outcome.intent.env;
  if (!isFixedEnvironment(env) && fixed.has(name)) {
    return skip(`${outcome.reason}; but ${name} is the name of a fixed environment of this app, so nothing is done`);
  }
  const owner = claimed.get(name);
  if (owner !== undefined) return skip(`${outcome.reason}; but ${name} is already taken by ${owner} for this event, so nothing is done`);
  claimed.set(name, env.name);
  return outcome;
}
