import type {
  BeginDeployment,
  CompleteDeployment,
  Deployment,
  DeploymentDetail,
  DeploymentOutcome,
  DeploymentState,
  DeploymentWithTimeline,
  Environment,
  EnvironmentChange,
  Fence,
  FinalDeploymentState,
  RuntimeStatus,
} from '../domain/environments.js';
import type { CommentRequest, PrComment, PullRequestRef, UnreportedDeployment } from './reports.js';
import type { PruneBatch, PruneStep } from './retention.js';
import type { ApprovalDecision, ApprovalNote, ApprovalRequest, ForkApproval } from '../domain/approvals.js';
import type { CiSignal, SignalRecord } from '../domain/signals.js';
import type { CommandNote, CommandReaction, CommandRecord, CommandState } from '../domain/commands.js';
import type { Notification, NotificationAttempt, NotificationQuery, QueuedEvent, RecordedEvent } from './notifications.js';

/**
 * The Store is everything slipway keeps. The engine sees only this interface; SQL lives in
 * the implementations (sqlite/ now, postgres/ later). Every method is one atomic unit.
 */

export const DELIVERY_STATUSES = ['pending', 'processed', 'ignored', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What ingest knows about a delivery when it arrives. */
export interface NewDelivery {
  id: string;
  event: string;
  action: string | null;
  hookId: string | null;
  /** From X-GitHub-Hook-Installation-Target-Type / -ID: repository, organization, integration… */
  targetType: string | null;
  targetId: string | null;
  repository: string | null;
  receivedAt: number;
  /**
   * The JSON payload exactly as GitHub sent it (decoded from `payload=` for form bodies), as
   * UTF-8 bytes. An implementation may keep it compressed; it reads back as the same text.
   */
  payload: Uint8Array;
}

export interface DeliverySummary extends Omit<NewDelivery, 'payload'> {
  seq: number;
  status: DeliveryStatus;
  error: string | null;
  processedAt: number | null;
}

export interface Delivery extends DeliverySummary {
  /** Null once retention removed it (the row stays, so a redelivery is still a duplicate). */
  payload: string | null;
}

export type InsertOutcome = 'inserted' | 'duplicate';

export interface DeliveryQuery {
  event?: string;
  status?: DeliveryStatus;
  /** `owner/name`, compared case-insensitively as GitHub does. */
  repository?: string;
  limit: number;
  /** Only deliveries that arrived before this sequence number (paging, newest first). */
  beforeSeq?: number;
}

export interface HookRecord {
  id: string;
  type: string | null;
  events: string[];
  repository: string | null;
  seenAt: number;
}

/** A repository webhook slipway has heard from: by a `ping`, or by a delivery's `X-GitHub-Hook-ID`. */
export interface RepositoryHook {
  hookId: string;
  /** `owner/name` */
  repository: string;
}

/** What one recovery run over a hook's deliveries did. */
export interface RecoveryProgress {
  /** `app` for the GitHub App's hook, else the repository hook's id. */
  hook: string;
  /** The newest delivery id read; absent when the run stopped early, so the position stays. */
  position?: number;
  /** GUIDs GitHub was asked to redeliver. */
  asked: string[];
  /** Asks recorded before this time (ms) are forgotten. */
  forgetBefore: number;
}

/** The outcome of dispatching one delivery, applied together with its effects. */
export interface DispatchResult {
  id: string;
  status: Exclude<DeliveryStatus, 'pending'>;
  error: string | null;
  processedAt: number;
  /** A `ping` records the hook that sent it. */
  hook?: HookRecord;
  /** Desired-state changes policy derived from the delivery. */
  changes?: EnvironmentChange[];
  /** CI results it reports; kept before `changes` apply, and they wake environments waiting on them. */
  signals?: SignalRecord[];
  /** What it says about fork approvals: a pull request's new head, or a `/slipway deploy` request. */
  approvals?: ApprovalNote[];
  /** `/slipway …` commands it brings; one per comment, however often the delivery is applied. */
  commands?: CommandNote[];
}

export interface Backlog {
  pending: number;
  oldestReceivedAt: number | null;
}

/**
 * The inbox: deliveries as they arrive, each applied with its effects once. Several
 * dispatchers may share it (replicas on one database): each claims deliveries, applies them
 * and finishes them under its claim, so none is applied twice and one repository's are
 * applied in arrival order.
 */
export interface InboxStore {
  /** Durable when the promise resolves: committed and synced to disk. */
  insertDelivery(delivery: NewDelivery): Promise<InsertOutcome>;
  getDelivery(id: string): Promise<Delivery | null>;
  listDeliveries(query: DeliveryQuery): Promise<DeliverySummary[]>;
  /**
   * Claims pending deliveries for `holder` until now + `ttlMs` and resolves to them in arrival
   * order, at most `limit`, without their payloads. Those `holder` holds already count among
   * them, their claims renewed; a claim that ran out is taken over. Never claimed:
   * - a delivery another holder's unexpired claim holds;
   * - a delivery of a repository (compared case-insensitively; deliveries of no repository are
   *   one group) of which another holder's unexpired claim holds any pending delivery;
   * - a delivery without every earlier pending delivery of its repository: each repository's
   *   claimed deliveries are the oldest of its pending ones.
   * So one holder at a time applies a repository's deliveries, in arrival order.
   */
  claimDeliveries(holder: string, limit: number, ttlMs: number): Promise<DeliverySummary[]>;
  /** The payload text of each of these deliveries that exists. */
  deliveryPayloads(ids: string[]): Promise<Map<string, string>>;
  /**
   * Marks deliveries done and applies their effects in one transaction: only those still
   * pending and claimed by `holder` (a claim that ran out counts until another holder takes
   * the delivery over). Any other (finished already, not claimed, or claimed by another) is
   * skipped with its effects, so nothing is applied twice. Resolves to the ids that were applied.
   */
  finishDeliveries(holder: string, results: DispatchResult[]): Promise<string[]>;
  /** Gives up `holder`'s claims on deliveries still pending, so another holder may take them at once (a dispatcher that stops). */
  releaseDeliveries(holder: string): Promise<void>;
  /** Marks a finished delivery pending (and unclaimed) again so it is dispatched anew; false when unknown or pending. */
  requeueDelivery(id: string): Promise<boolean>;
  backlog(): Promise<Backlog>;
}

/** The webhooks slipway has heard from, and how far missed-delivery recovery has read each. */
export interface HookStore {
  listHooks(): Promise<HookRecord[]>;
  /** Repository webhooks slipway has heard from, by repository. */
  repositoryHooks(): Promise<RepositoryHook[]>;
  /** The newest delivery id recovery has read of `hook`; null before its first run. */
  recoveryPosition(hook: string): Promise<number | null>;
  /** Of these delivery GUIDs, those neither in the inbox nor already asked to be redelivered. */
  missedDeliveries(guids: string[]): Promise<string[]>;
  /** Remembers what a recovery run asked for and, when given, moves its position forward (never back). */
  recordRecovery(progress: RecoveryProgress): Promise<void>;
}

/** The work other processes sharing the store may bring: deliveries to dispatch, environments to converge, comments to write, notifications to send, routes to follow. */
export const WORK_KINDS = ['deliveries', 'environments', 'comments', 'notifications', 'routes'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

/** What changed, as the dashboard groups it (its pages fetch themselves again when theirs did). */
export const CHANGE_TOPICS = ['environments', 'deployments', 'deliveries'] as const;
export type ChangeTopic = (typeof CHANGE_TOPICS)[number];

/** Word of what other processes sharing the store did (replicas on one database). */
export interface WorkStore {
  /**
   * Calls `listener` when work may have arrived: `deliveries` inserted, requeued or released
   * by a dispatcher that stopped; `environments` whose desired state changed; pull request
   * `comments` asked to be brought up to date (`requestComments`); `notifications`, events
   * recorded for the notifier or a failed notification resent; `routes` that changed (another
   * replica's target switched one). A hint to look
   * now, not a promise: word can be lost (a dropped connection), so whoever listens still
   * polls; once listening (again) after none was, the store calls it with every kind, as work
   * may have arrived unheard. Writes through this very store may be told too. A store no other
   * process writes tells nothing. Returns the function that stops the calls.
   */
  onWork(listener: (kind: WorkKind) => void): () => void;
  /**
   * Calls `listener` when what a topic covers changed (the dashboard's live updates): the hint
   * onWork gives, with the same rules, for what is shown rather than what is to be done.
   */
  onChange(listener: (topic: ChangeTopic) => void): () => void;
}

/** Named leases with fencing tokens: one writer per environment. */
export interface LeaseStore {
  /**
   * Takes or renews the named lease for `holder` until now + ttlMs. Resolves to a fencing
   * token that grows each time the lease changes hands, or null while another holder has it.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<number | null>;
  releaseLease(name: string, holder: string): Promise<void>;
}

/** A request through the router reached environment `env` of `app` at `at` (ms). */
export interface EnvironmentUse {
  app: string;
  env: string;
  at: number;
}

/** What a delivery changed: the environments it changed last, and the deployments it started. */
export interface DeliveryEffects {
  /** Environments whose last desired-state change came from the delivery, destroyed ones too, by app and name. */
  environments: Environment[];
  /** Deployments started for the desired state it set, oldest first. */
  deployments: Deployment[];
}

/** A deployment that finished, as the overview counts it. */
export interface FinishedDeployment {
  finishedAt: number;
  /** How it ended: a success made `inactive` since (its environment was destroyed) still counts as `success`. */
  outcome: FinalDeploymentState;
  /** When the delivery that started it arrived; null when no delivery did (CLI, API, a sweep) or it is gone. */
  receivedAt: number | null;
}

/** Environments (desired and observed state) and their deployments. */
export interface EnvironmentStore {
  /** Desired-state changes from outside a delivery (CLI, API, TTL expiry). */
  changeEnvironments(changes: EnvironmentChange[], source: string): Promise<void>;
  getEnvironment(app: string, name: string): Promise<Environment | null>;
  listEnvironments(options?: { includeDestroyed?: boolean }): Promise<Environment[]>;
  /** Environments whose desired state is not reached yet, oldest first. */
  unconvergedEnvironments(limit: number): Promise<Environment[]>;
  /** Live environments whose TTL has run out. */
  expiredEnvironments(): Promise<Environment[]>;
  /** The writes below hold the environment's lease (`fence`), or fail with `lease_lost`. */
  markConverged(environmentId: number, generation: number, fence: Fence): Promise<void>;
  /** Starts a deployment (or records it `waiting` for its gate); unfinished older ones end `inactive`. */
  beginDeployment(begin: BeginDeployment): Promise<Deployment>;
  /** The gate of a `waiting` deployment opened: it is `in_progress` from now. */
  startDeployment(id: number, message: string, fence: Fence): Promise<void>;
  /** Deployments waiting for their gate, oldest first. */
  waitingDeployments(): Promise<Deployment[]>;
  completeDeployment(complete: CompleteDeployment): Promise<void>;
  completeDestroy(environmentId: number, generation: number, fence: Fence): Promise<void>;
  /**
   * At start: deployments nobody runs any more end `error`, and their environments go again:
   * those whose lease tenure is over (the lease they began or started under expired, was
   * released or changed hands: the replica running them crashed or stopped). Those another
   * replica runs under a live lease are left to it. A deployment waiting for its gate keeps
   * waiting. Resolves to how many ended. (An embedded store is one process's: every lease is
   * stale when it opens, so everything unfinished ends.)
   */
  interruptDeployments(): Promise<number>;
  /**
   * The caller has just taken the environment's lease (`fence`): deployments of the environment
   * still running under an earlier tenure (its holder stopped renewing: paused, partitioned,
   * crashed) end `error`, and the environment goes again. One begun or started under `fence`
   * itself, and one waiting for its gate, are left. Fenced like the writes above; resolves to how many ended.
   */
  takeOverDeployments(environmentId: number, fence: Fence): Promise<number>;
  getDeployment(id: number): Promise<DeploymentDetail | null>;
  listDeployments(environmentId: number, limit: number): Promise<Deployment[]>;
  /** How the newest `perEnvironment` deployments of each of these environments went (newest first), by environment id, in one read. */
  latestDeployments(environmentIds: readonly number[], perEnvironment: number): Promise<Map<number, DeploymentOutcome[]>>;
  /** An environment's newest `limit` deployments (newest first), each with its timeline, in one read. */
  deploymentHistory(environmentId: number, limit: number): Promise<DeploymentWithTimeline[]>;
  /** What the delivery with this id changed (empty lists when nothing, or no such delivery). */
  deliveryEffects(deliveryId: string): Promise<DeliveryEffects>;
  /** Deployments that finished at or after `since` (ms), in the order they finished. */
  finishedDeployments(since: number): Promise<FinishedDeployment[]>;
  /** A target's report on an environment's running release (restarts, crash loop). */
  recordRuntime(status: RuntimeStatus): Promise<void>;
  /** Its release was stopped for idling (`asleep`: it reads as `sleeping`), or a request woke it (counted); holds its lease. */
  markSleeping(environmentId: number, asleep: boolean, fence: Fence): Promise<void>;
  /** Requests through the router reached these live environments at these times (least recently used sleeps first). */
  recordUse(uses: EnvironmentUse[]): Promise<void>;
}

/** The reporter's outbox, the comment kept on each pull request, and the asks to bring comments up to date. */
export interface ReportStore {
  /**
   * The reporter's outbox: deployments of the last week whose state GitHub does not show yet
   * (or that a newer success or a destroy made inactive), oldest first, those made inactive last.
   */
  unreportedDeployments(limit: number): Promise<UnreportedDeployment[]>;
  /** GitHub shows `state` for the deployment now (null: nothing); a GitHub deployment id, once known, is kept. */
  markReported(id: number, state: DeploymentState | null, githubDeploymentId: number | null): Promise<void>;
  /** The comment slipway keeps on a pull request, or null when it knows of none. */
  getPrComment(repo: string, pr: number): Promise<PrComment | null>;
  putPrComment(comment: PrComment): Promise<void>;
  /**
   * Asks for the comments of these pull requests to be brought up to date, by whichever process
   * sharing the store reports: kept until cleared. Asking again for a pull request already asked
   * for (its repository compared case-insensitively) keeps one request, with a new `seq`.
   */
  requestComments(requests: readonly PullRequestRef[]): Promise<void>;
  /** The requests asked for, oldest ask first, at most `limit`. */
  commentRequests(limit: number): Promise<CommentRequest[]>;
  /**
   * Forgets these requests, each only as read (by its `seq`): a pull request asked for again
   * since (while its comment was written) keeps its request.
   */
  clearCommentRequests(requests: readonly CommentRequest[]): Promise<void>;
}

/** CI results per repository and commit: what gates read. */
export interface SignalStore {
  /** CI results read outside a delivery (the GitHub API); they wake what waits on their sha as a delivery's do. */
  recordSignals(records: SignalRecord[]): Promise<void>;
  /** The latest report of every CI signal stored for a commit of a repository (`owner/name`). */
  signalsFor(repo: string, sha: string): Promise<CiSignal[]>;
}

/** Approvals of fork pull requests under `forks: approve`. */
export interface ApprovalStore {
  /** The approval of a fork pull request under `forks: approve` (for its PR comment); null when none is known. */
  approvalFor(repo: string, pr: number): Promise<ForkApproval | null>;
  /** `/slipway deploy` requests not decided yet, oldest first. */
  approvalRequests(): Promise<ApprovalRequest[]>;
  /** Records a request's outcome (unless a newer request replaced it); an approval wakes the PR's fork previews. */
  decideApproval(decision: ApprovalDecision): Promise<void>;
}

/** The outcome of checking and planning a command: applied, with its environment changes, in one transaction. */
export interface CommandDecision {
  repo: string;
  commentId: number;
  state: Exclude<CommandState, 'received'>;
  /** What was done, or why it was refused or failed. */
  outcome: string;
  changes: EnvironmentChange[];
}

/** Commands from pull request comments. */
export interface CommandStore {
  /** Commands undecided, or decided whose last reaction is not posted yet (for a day), oldest first. */
  pendingCommands(): Promise<CommandRecord[]>;
  /** Records the reaction posted on a command's comment. */
  markReacted(repo: string, commentId: number, reaction: CommandReaction): Promise<void>;
  /** Applies an undecided command's changes and records its outcome together; false (nothing applied) when it was decided already. */
  decideCommand(decision: CommandDecision): Promise<boolean>;
  /** The newest command on a pull request, for its comment; null when none. */
  lastCommand(repo: string, pr: number): Promise<CommandRecord | null>;
}

/**
 * The notifications outbox. Deployment and destroy writes record their events in their own
 * transaction; the notifier queues them per receiver and records each try.
 */
export interface NotificationStore {
  /** Events recorded and not yet queued for their receivers, oldest first. */
  recordedEvents(limit: number): Promise<RecordedEvent[]>;
  /** Queues each event's notifications and forgets the event, in one transaction; an event already queued is skipped. */
  queueNotifications(events: QueuedEvent[]): Promise<void>;
  /** The oldest pending notification of a receiver (its queue is in order), or null. */
  nextNotification(receiver: string): Promise<Notification | null>;
  /** Records one try's outcome; a notification no longer pending is left as it is. */
  recordAttempt(attempt: NotificationAttempt): Promise<void>;
  /** Newest first. */
  listNotifications(query: NotificationQuery): Promise<Notification[]>;
  getNotification(id: string): Promise<Notification | null>;
  /** A failed notification is pending again, tried now, with 24 hours of retries anew; false when unknown or not failed. */
  resendNotification(id: string): Promise<boolean>;
  /** Pending notifications of receivers not in `receivers` (gone from the config) fail, saying `reason`; resolves to how many. */
  abandonNotifications(receivers: string[], reason: string): Promise<number>;
}

/** What the retention job removes (retention.ts says what each kind keeps), and the space it frees. */
export interface RetentionStore {
  /** Removes one batch of one kind, in a transaction of its own size: short, so ingest waits little behind it. */
  prune(step: PruneStep): Promise<PruneBatch>;
  /** Gives up to `pages` free pages of the database back to the file system; resolves to how many free pages are left. */
  reclaimSpace(pages: number): Promise<number>;
}

/** Everything slipway keeps, as one object; each part of slipway depends on the roles it uses. */
/** The store's size on disk and the rows that grow, by table. */
export interface StoreSizes {
  /** The store's files (SQLite: the database and its write-ahead log). */
  bytes: number;
  /** Inbox rows, by status. */
  deliveries: Record<DeliveryStatus, number>;
  /** Environment rows, destroyed ones included. */
  environments: number;
  deployments: number;
  /** The deployments' logs, which the store keeps. */
  deploymentLogBytes: number;
}

export interface Store
  extends InboxStore, HookStore, LeaseStore, WorkStore, EnvironmentStore, ReportStore, SignalStore, ApprovalStore, CommandStore, NotificationStore, RetentionStore {
  /** Resolves when the store answers a trivial query (readiness). */
  ping(): Promise<void>;
  /** What the store holds that grows with use (`slipway status`). */
  sizes(): Promise<StoreSizes>;
  close(): Promise<void>;
}
