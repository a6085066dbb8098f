import type { AppConfig, EnvironmentConfig } from '../config/schema.js';
import type { CreateEvent, DeleteEvent, PushEvent, RefType } from '../events/domain.js';
import { firstMatch } from './glob.js';
import { skip, type Outcome } from './intent.js';
import { slugName } from '../names.js';
import { describeTrack } from './rules.js';

/** A ref that moved, appeared or went away: what `push`, `create` and `delete` have in common. */
export interface RefChange {
  change: 'moved' | 'created' | 'deleted';
  refType: RefType | null;
  ref: string;
  /** Branch or tag name; the full ref when neither. */
  name: string;
  sha: string | null;
  trigger: string;
}

export function fromPush(event: PushEvent): RefChange {
  const change = event.deleted ? 'deleted' : 'moved';
  const sha = event.deleted ? null : event.after;
  return { change, refType: event.refType, ref: event.ref, name: event.refName, sha, trigger: 'push' };
}

export function fromCreateOrDelete(event: CreateEvent | DeleteEvent): RefChange {
  const change = event.kind === 'create' ? 'created' : 'deleted';
  return { change, refType: event.refType, ref: event.ref, name: event.refName, sha: null, trigger: event.kind };
}

function describe(change: RefChange): string {
  const what = change.refType ?? 'ref';
  if (change.change === 'moved') return `push to ${what} ${change.name}`;
  return `${what} ${change.name} was ${change.change}`;
}

/** Branch environments: fixed ones follow one branch, templated ones one per matching branch. */
export function onRefChange(change: RefChange, app: AppConfig, env: EnvironmentConfig): Outcome {
  const track = env.track;
  if (change.refType !== 'branch') {
    return skip(`${describe(change)}: only branches move environments here (releases move release environments)`);
  }
  const branch = change.name;
  const follow = (name: string, reason: string): Outcome => ({
    intent: { kind: 'follow', app: app.name, env: name, ref: change.ref, sha: change.sha, pr: null, branch, trigger: change.trigger, ttlMs: env.ttlMs },
    reason,
  });
  switch (track.kind) {
    case 'branch':
      if (track.branch !== branch) return skip(`follows branch ${track.branch}, not ${branch}`);
      if (change.change === 'deleted') {
        return skip(
          `branch ${branch} was deleted; ${env.name} follows it but is kept: an environment with a fixed name is only destroyed by hand (slipway destroy ${app.name} ${env.name})`,
        );
      }
      return follow(env.name, `${describe(change)}: ${env.name} follows ${change.ref}`);
    case 'branches': {
      const pattern = firstMatch(track.patterns, branch);
      if (pattern === null) return skip(`branch ${branch} does not match [${track.patterns.join(', ')}]`);
      const name = slugName(env.name, { branch, app: app.name });
      if (change.change === 'deleted') {
        const reason = `branch ${branch} was deleted`;
        // Only the environment that follows this very ref goes, whatever its name.
        const intent = { kind: 'destroy' as const, app: app.name, env: name, ref: change.ref, rule: env.name, reason, trigger: change.trigger };
        return { intent, reason: `${reason} (matches ${pattern}); destroy ${name}` };
      }
      return follow(name, `${describe(change)} (matches ${pattern}): ${name} follows ${change.ref}`);
    }
    case 'release':
    case 'pullRequests':
    case 'workflowRun':
    case 'deployments':
      return skip(`follows ${describeTrack(env)}, not branches`);
  }
}
