/**
 * Fork previews under `forks: approve`: a pull request from a fork deploys only the head a user
 * with write permission approved by commenting `/slipway deploy`. The store keeps one record
 * per (repository, pull request); github/approvals.ts decides the requests.
 */

export const APPROVAL_STATES = ['awaiting', 'approved', 'refused'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** What is known of a fork pull request's approval, for the PR comment and the engine. */
export interface ForkApproval {
  /** `owner/name` */
  repo: string;
  pr: number;
  /** `awaiting` until a request is decided, and again after a push moved the head on. */
  state: ApprovalState;
  /** The head it holds for (approved, refused), or the head awaiting approval. */
  sha: string | null;
  /** Who commented (the approver, the refused commenter, or the request being checked). */
  by: string | null;
  /** Why it was refused, or why it awaits again (`new commits since …`); null otherwise. */
  reason: string | null;
  updatedAt: number;
}

/** What a delivery says about an approval: the PR's head moved, or someone asked to deploy. */
export type ApprovalNote =
  | { kind: 'head'; repo: string; pr: number; sha: string }
  | { kind: 'request'; repo: string; pr: number; login: string };

/** A `/slipway deploy` comment not decided yet. */
export interface ApprovalRequest {
  repo: string;
  pr: number;
  login: string;
  /** The head slipway last saw for the pull request; null when it saw none. */
  headSha: string | null;
}

/** The outcome of checking a request; an approval wakes the apps' fork previews of the PR. */
export interface ApprovalDecision {
  repo: string;
  pr: number;
  login: string;
  state: Exclude<ApprovalState, 'awaiting'>;
  sha: string | null;
  reason: string | null;
  /** Apps configured for the repository. */
  apps: string[];
}
