/**
 * Domain events: the part of a GitHub webhook payload a deployer needs, validated and renamed.
 * `kind` is the GitHub event name (`X-GitHub-Event`). Fields GitHub may omit are `null`, never
 * `undefined`. States, conclusions and actions stay strings: GitHub adds values over time, and an
 * unknown value must reach policy (which decides) rather than fail the delivery.
 */

/** What slipway keeps of a repository: enough to name it and clone it. */
export interface Repository {
  /** `owner/name` */
  fullName: string;
  cloneUrl: string;
  htmlUrl: string;
  defaultBranch: string;
  private: boolean;
}

/** Carried by every event about a repository. */
export interface EventEnvelope {
  repository: Repository;
  /** Login of the account that caused the event; null when GitHub omits `sender`. */
  sender: string | null;
  /** GitHub App installation that delivered the event; null for plain repository/org webhooks. */
  installationId: number | null;
}

export const REF_TYPES = ['branch', 'tag'] as const;
export type RefType = (typeof REF_TYPES)[number];

/** A git ref in three spellings, so no consumer parses `refs/...` itself. */
export interface GitRef {
  /** Full ref: `refs/heads/main`, `refs/tags/v1.2.0`. */
  ref: string;
  /** null when the ref is neither under `refs/heads/` nor `refs/tags/`. */
  refType: RefType | null;
  /** Branch or tag name (`main`, `v1.2.0`); the full ref when `refType` is null. */
  refName: string;
}

/** Sent when a webhook is created or pinged; org and App hooks have no repository. */
export interface PingEvent extends Omit<EventEnvelope, 'repository'> {
  kind: 'ping';
  hookId: number | null;
  /** `Repository`, `Organization`, `App` (GitHub documents it as a plain string). */
  hookType: string | null;
  /** Events the hook is subscribed to (`hook.events`); null when the payload has no `hook`. */
  events: string[] | null;
  zen: string | null;
  repository: Repository | null;
}

export interface PushEvent extends EventEnvelope, GitRef {
  kind: 'push';
  before: string;
  after: string;
  created: boolean;
  /** The ref was deleted: `after` is all zeros. */
  deleted: boolean;
  forced: boolean;
  baseRef: string | null;
  compareUrl: string;
}

export interface PullRequestSide {
  ref: string;
  sha: string;
  /** `owner/name`; null when the head repository (a fork) was deleted. */
  repoFullName: string | null;
}

export interface PullRequestEvent extends EventEnvelope {
  kind: 'pull_request';
  /** `opened`, `synchronize`, `closed`, `labeled`, … (every action normalizes; policy filters). */
  action: string;
  number: number;
  /** `open` or `closed`. */
  state: string;
  draft: boolean;
  merged: boolean;
  head: PullRequestSide;
  base: PullRequestSide & { repoFullName: string };
  /** Head and base repositories differ, or the head repository is gone: untrusted code. */
  fork: boolean;
  labels: string[];
  /** The label added or removed, on `labeled` / `unlabeled`. */
  label: string | null;
  author: string | null;
  /** `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, `FIRST_TIME_CONTRIBUTOR`, `NONE`, … */
  authorAssociation: string;
  htmlUrl: string;
  /** When the pull request last changed (GitHub's `updated_at`, ms): orders one PR's deliveries. */
  updatedAt: number | null;
}

export interface CreateEvent extends EventEnvelope, GitRef {
  kind: 'create';
  refType: RefType;
}

export interface DeleteEvent extends EventEnvelope, GitRef {
  kind: 'delete';
  refType: RefType;
}

export interface Deployment {
  id: number;
  sha: string;
  ref: string;
  /** `deploy` unless the creator asked for another task (e.g. `deploy:migrations`). */
  task: string;
  environment: string;
  /** Free JSON the creator attached; slipway marks its own deployments here. */
  payload: unknown;
}

export interface DeploymentEvent extends EventEnvelope {
  kind: 'deployment';
  action: string;
  deployment: Deployment;
}

export interface DeploymentStatusEvent extends EventEnvelope {
  kind: 'deployment_status';
  action: string;
  /** `queued`, `in_progress`, `pending`, `success`, `failure`, `error`, `inactive`. */
  state: string;
  environment: string;
  environmentUrl: string | null;
  targetUrl: string | null;
  deployment: Deployment;
}

export interface ReleaseEvent extends EventEnvelope {
  kind: 'release';
  action: string;
  tag: string;
  name: string | null;
  prerelease: boolean;
  draft: boolean;
  htmlUrl: string;
}

export interface CheckRunEvent extends EventEnvelope {
  kind: 'check_run';
  action: string;
  id: number;
  name: string;
  /** `queued`, `in_progress`, `completed`, … */
  status: string;
  /** `success`, `failure`, `neutral`, `cancelled`, `skipped`, `timed_out`, `action_required`, …; null until completed. */
  conclusion: string | null;
  headSha: string;
  headBranch: string | null;
  appSlug: string | null;
  pullRequests: number[];
  htmlUrl: string;
}

export interface CheckSuiteEvent extends EventEnvelope {
  kind: 'check_suite';
  action: string;
  id: number;
  status: string | null;
  conclusion: string | null;
  headSha: string;
  headBranch: string | null;
  appSlug: string | null;
  pullRequests: number[];
}

export interface WorkflowRunEvent extends EventEnvelope {
  kind: 'workflow_run';
  action: string;
  id: number;
  name: string | null;
  /** Workflow file, e.g. `.github/workflows/ci.yml`; null in payloads that omit it. */
  path: string | null;
  runAttempt: number;
  headBranch: string | null;
  headSha: string;
  /** What triggered the run: `push`, `pull_request`, … */
  event: string;
  /** `requested`, `in_progress`, `completed`, … */
  status: string;
  conclusion: string | null;
  /** `owner/name` the run's code came from; null when unknown. */
  headRepoFullName: string | null;
  /** The run built code from another repository (a fork): its artifacts are untrusted. */
  fork: boolean;
  pullRequests: number[];
  htmlUrl: string;
  artifactsUrl: string;
}

export interface StatusEvent extends EventEnvelope {
  kind: 'status';
  id: number;
  sha: string;
  /** The status name, e.g. `ci/circleci: build`. */
  context: string;
  /** `pending`, `success`, `failure`, `error`. */
  state: string;
  description: string | null;
  targetUrl: string | null;
  /** Branches whose tip is `sha`, as GitHub lists them. */
  branches: string[];
}

/** A comment on an issue or a pull request (`/slipway deploy` approves a fork's preview). */
export interface IssueCommentEvent extends EventEnvelope {
  kind: 'issue_comment';
  /** `created`, `edited`, `deleted`. */
  action: string;
  /** The issue's or pull request's number. */
  number: number;
  /** The comment is on a pull request, not a plain issue. */
  pullRequest: boolean;
  commentId: number;
  body: string;
  /** The commenter's login; null when the account is gone. */
  author: string | null;
  /** The commenter's association: `OWNER`, `MEMBER`, `CONTRIBUTOR`, `NONE`, … (a hint; permission is read through the API). */
  authorAssociation: string;
}

export type DomainEvent =
  | PingEvent
  | PushEvent
  | PullRequestEvent
  | CreateEvent
  | DeleteEvent
  | DeploymentEvent
  | DeploymentStatusEvent
  | ReleaseEvent
  | CheckRunEvent
  | CheckSuiteEvent
  | WorkflowRunEvent
  | StatusEvent
  | IssueCommentEvent;

