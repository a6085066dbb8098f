import { formatDuration } from '../config/duration.js';
import type { AppConfig, EnvironmentConfig, TrackKind } from '../config/schema.js';

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
}

export function environmentRules(app: AppConfig): EnvironmentRule[] {
  return app.environments.map((env) => ({
    app: app.name,
    environment: env.name,
    kind: env.track.kind,
    follows: describeTrack(env),
    ttl: env.ttlMs === null ? null : formatDuration(env.ttlMs),
  }));
}
