import type { ApprovalNote } from '../domain/approvals.js';
import type { CommandNote } from '../domain/commands.js';
import type { EnvironmentChange } from '../domain/environments.js';
import type { SignalReport } from './signals.js';

/** What policy asks of the environments: the engine applies intents, `explain` prints decisions. */

export type Intent =
  | {
      kind: 'follow';
      app: string;
      /** The environment name, slugged (`pr-7`, `br-feature-login-bc632bbd`, `staging`). */
      env: string;
      /** Full git ref to resolve when deploying: `refs/heads/x`, `refs/tags/v1`, `refs/pull/7/head`. */
      ref: string;
      /** The sha the event names: a hint only, the ref is resolved from git when deploying. */
      sha: string | null;
      pr: number | null;
      /** The branch followed, or a pull request's head branch (which may live in a fork). */
      branch: string | null;
      /** What caused it: `push`, `create`, `pull_request.synchronize`, `release.published`. */
      trigger: string;
      /** The environment's configured `ttl`, in milliseconds; null when it has none. */
      ttlMs: number | null;
      /** When the event happened at its source (a pull request's updated_at), to drop stale ones. */
      eventAt?: number | null;
      /** The configured environment (name or template) that matched; policy fills it in. */
      rule?: string;
      /** A pull request from a fork: untrusted code, never given secret variables. */
      fork?: boolean;
      /** The `slipway:keep` label is on (true) or was just removed (false). */
      keep?: boolean;
    }
  /** Deploy one sha (a GitHub deployment, a workflow run's output) until the next follow. */
  | Extract<EnvironmentChange, { kind: 'pin' }>
  /** Go back to the last good sha (a GitHub deployment reported failure). */
  | Extract<EnvironmentChange, { kind: 'rollback' }>
  /** A GitHub deployment status, for the timeline of the deployment it is about. */
  | Extract<EnvironmentChange, { kind: 'note' }>
  /**
   * Destroy an environment (`reason` for the timeline, `trigger` what caused it); one that does
   * not exist is left alone, and with `ref` one that follows another ref too.
   */
  | Extract<EnvironmentChange, { kind: 'destroy' }>;

export interface Decision {
  app: string;
  /** The environment as configured: the template (`pr-{number}`) or the fixed name. */
  environment: string;
  /** True when this environment yields an intent for the event. */
  matched: boolean;
  /** Why it matched or not, for people. */
  reason: string;
}

export interface PolicyResult {
  intents: Intent[];
  /** One per environment of every app whose repository the event is about. */
  decisions: Decision[];
  /** A CI result the event reports, and the apps of its repository (whose gates it may open). */
  signal: { report: SignalReport; apps: string[] } | null;
  /** What it says about fork approvals (a fork PR's new head, a `/slipway deploy` request). */
  approval: ApprovalNote | null;
  /** A `/slipway …` command commented on a pull request, checked and carried out by the engine. */
  command: CommandNote | null;
}

/** One environment's answer to one event. */
export type Outcome = { intent: Intent; reason: string } | { intent: null; reason: string };

export const skip = (reason: string): Outcome => ({ intent: null, reason });
