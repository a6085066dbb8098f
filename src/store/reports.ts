/**
 * What slipway has told GitHub: per deployment the state GitHub shows (the reporter's outbox is
 * every deployment whose state differs), and the one comment per pull request listing its previews.
 */
import type { Deployment, DeploymentState } from '../domain/environments.js';

/** Only what happened this recently is reported to GitHub (an upgrade or a long outage does not replay history). */
export const REPORT_WINDOW_MS = 7 * 86_400_000;

/** A deployment whose state GitHub does not show yet. */
export interface UnreportedDeployment extends Deployment {
  /**
   * The last state settled with GitHub (posted, or skipped as outdated); null when none yet.
   * `inactive` is final, also for a deployment GitHub refused for good (404, 422).
   */
  reportedState: DeploymentState | null;
  /** What GitHub should show: its state, or `inactive` once a newer one succeeded or its environment was destroyed. */
  target: DeploymentState;
  /** It is its environment's newest deployment. */
  newest: boolean;
  /** The newest line of its timeline (what a waiting deployment waits for, why one failed). */
  message: string | null;
}

/** The comment slipway keeps on a pull request, and the body it last posted there. */
export interface PrComment {
  /** `owner/name`, compared case-insensitively. */
  repo: string;
  pr: number;
  commentId: number;
  body: string;
}

/** A pull request whose comment is to be brought up to date. */
export interface PullRequestRef {
  /** `owner/name`, compared case-insensitively. */
  repo: string;
  pr: number;
}

/** A pull request whose comment is asked to be brought up to date, as the store holds the ask. */
export interface CommentRequest extends PullRequestRef {
  /** Identifies this ask: asking again for the same pull request gives a new one, never one used before. */
  seq: number;
  /** When it was last asked (ms). */
  requestedAt: number;
}
