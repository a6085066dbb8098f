import { formatDuration } from '../config/duration.js';
import type { AppConfig, EnvironmentConfig, GateConfig, TrackKind } from '../config/schema.js';
import type { Environment } from '../domain/environments.js';
import { nameFits } from '../names.js';

/** Author associations that `forks: trusted` lets through: people with write access. */
export const TRUSTED_ASSOCIATIONS = ['OWNER', 'MEMBER', 'COLLABORATOR'] as const;

/** What an environment follows, for people: `branch main`, `pull requests into main`, `GitHub deployments to qa`. */
export function describeTrack(env: EnvironmentConfig): string {
  const track = env.track;
  switch (track.kind) {
    case 'branch':
      return `branch ${track.branch}`;
    case 'branches':
      return `branches matching ${track.patterns.join(', ')}`;
    case 'release':
      return track.prerelease ? 'releases and prereleases' : 'releases';
    case 'pullRequests': {
      const base = track.base.includes('**') ? 'any branch' : track.base.join(', ');
      const labels = track.labels.length > 0 ? `, labelled ${track.labels.join(', ')}` : '';
      return `pull requests into ${base} (drafts: ${track.drafts ? 'yes' : 'no'}, forks: ${track.forks}${labels})`;
    }
    case 'workflowRun':
      return `workflow run "${track.workflow}" on ${track.branch ?? 'any branch'}`;
    case 'deployments':
      return `GitHub deployments to ${env.name}`;
  }
}

/** What a gate waits for, for people: `checks build, test; statuses ci/jenkins; workflows CI (timeout 1h)`. */
function describeGate(gate: GateConfig): string {
  const parts = [
    gate.checks.length > 0 ? `checks ${gate.checks.join(', ')}` : null,
    gate.statuses.length > 0 ? `statuses ${gate.statuses.join(', ')}` : null,
    gate.workflows.length > 0 ? `workflows ${gate.workflows.join(', ')}` : null,
    gate.checkSuites === 'all' ? 'all check suites' : gate.checkSuites === null ? null : `check suites of ${gate.checkSuites.join(', ')}`,
  ];
  return `${parts.filter((part) => part !== null).join('; ')} (timeout ${formatDuration(gate.timeoutMs)})`;
}

/** One environment rule of an app, as `slipway explain` lists them. */
export interface EnvironmentRule {
  app: string;
  /** The environment as configured: fixed name or template. */
  environment: string;
  kind: TrackKind;
  /** `branch main`, `pull requests into main (drafts: no, forks: deny)`, … */
  follows: string;
  /** `72h` when the environment expires after that long without a new commit; else null. */
  ttl: string | null;
  /** What must pass before a commit is deployed (see describeGate); null without a gate. */
  gate: string | null;
  /** `on failure, error`; null when the environment never rolls back. */
  rollback: string | null;
}

export function environmentRules(app: AppConfig): EnvironmentRule[] {
  return app.environments.map((env) => ({
    app: app.name,
    environment: env.name,
    kind: env.track.kind,
    follows: describeTrack(env),
    ttl: env.ttlMs === null ? null : formatDuration(env.ttlMs),
    gate: env.gate === null ? null : describeGate(env.gate),
    rollback: env.rollback === null ? null : `on ${env.rollback.on.join(', ')}`,
  }));
}

/**
 * The configured environment an environment was made from: by the rule recorded with it, else
 * (environments made before rules were recorded, or by the API) by its name.
 */
export function ruleOf(app: { environments: readonly EnvironmentConfig[] }, env: Pick<Environment, 'name' | 'rule'>): EnvironmentConfig | null {
  const byRule = env.rule === null ? undefined : app.environments.find((config) => config.name === env.rule);
  const exact = app.environments.find((config) => config.name === env.name);
  return byRule ?? exact ?? app.environments.find((config) => nameFits(config.name, env.name)) ?? null;
}
