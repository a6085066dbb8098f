import type { AppConfig, EnvironmentConfig } from '../config/schema.js';
import type { ReleaseEvent } from '../events/domain.js';
import { skip, type Outcome } from './intent.js';
import { describeTrack } from './rules.js';

/** Release actions that move release environments; `published` and `released`/`prereleased` may both arrive. */
export const RELEASE_ACTIONS = ['published', 'released', 'prereleased'] as const;

/** Release environments move to the tag of each published release (prereleases when allowed). */
export function onRelease(event: ReleaseEvent, app: AppConfig, env: EnvironmentConfig): Outcome {
  const track = env.track;
  if (track.kind !== 'release') return skip(`follows ${describeTrack(env)}, not releases`);
  const release = `release ${event.tag}`;
  if (!(RELEASE_ACTIONS as readonly string[]).includes(event.action)) {
    return skip(`${release} ${event.action}: only ${RELEASE_ACTIONS.join(', ')} move release environments`);
  }
  if (event.draft) return skip(`${release} is a draft`);
  if (event.prerelease && !track.prerelease) return skip(`${release} is a prerelease (prerelease: false)`);
  const ref = `refs/tags/${event.tag}`;
  return {
    intent: {
      kind: 'follow',
      app: app.name,
      env: env.name,
      ref,
      sha: null,
      pr: null,
      branch: null,
      trigger: `release.${event.action}`,
      ttlMs: env.ttlMs,
    },
    reason: `${release} ${event.action}: ${env.name} follows ${ref}`,
  };
}
