import type {
  BeginDeployment,
  CompleteDeployment,
  Deployment,
  DeploymentDetail,
  Environment,
  EnvironmentChange,
  Fence,
  RuntimeStatus,
} from './environments.js';
import type { ApprovalDecision, ApprovalNote, ApprovalRequest, ForkApproval } from './approvals.js';
import type { CiSignal, SignalRecord } from './signals.js';

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
  payload: string;
}

export type InsertOutcome = 'inserted' | 'duplicate';

export interface DeliveryQuery {
  event?: string;
  status?: DeliveryStatus;
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
}

export interface Backlog {
  pending: number;
  oldestReceivedAt: number | null;
}

export interface Store {
  /** Durable when the promise resolves: committed and synced to disk. */
  insertDelivery(delivery: NewDelivery): Promise<InsertOutcome>;
  getDelivery(id: string): Promise<Delivery | null>;
  listDeliveries(query: DeliveryQuery): Promise<DeliverySummary[]>;
  /** Pending deliveries in arrival order, after `afterSeq`, without their payloads. */
  pendingDeliveries(limit: number, afterSeq?: number): Promise<DeliverySummary[]>;
  /** The payload text of each of these deliveries that exists. */
  deliveryPayloads(ids: string[]): Promise<Map<string, string>>;
  /**
   * Marks deliveries done and applies their effects in one transaction. A delivery that is
   * no longer pending is skipped with its effects, so nothing is applied twice.
   * Resolves to the ids that were applied.
   */
  finishDeliveries(results: DispatchResult[]): Promise<string[]>;
  /** Marks a finished delivery pending again so it is dispatched anew; false when unknown or pending. */
  requeueDelivery(id: string): Promise<boolean>;
  backlog(): Promise<Backlog>;
  listHooks(): Promise<HookRecord[]>;
  /**
   * Takes or renews the named lease for `holder` until now + ttlMs. Resolves to a fencing
   * token that grows each time the lease changes hands, or null while another holder has it.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<number | null>;
  releaseLease(name: string, holder: string): Promise<void>;

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
  /** At start: deployments a crash interrupted end `error`; their environments go again. */
  interruptDeployments(): Promise<number>;
  getDeployment(id: number): Promise<DeploymentDetail | null>;
  listDeployments(environmentId: number, limit: number): Promise<Deployment[]>;
  /** CI results read outside a delivery (the GitHub API); they wake what waits on their sha as a delivery's do. */
  recordSignals(records: SignalRecord[]): Promise<void>;
  /** The latest report of every CI signal stored for a commit of a repository (`owner/name`). */
  signalsFor(repo: string, sha: string): Promise<CiSignal[]>;
  /** A target's report on an environment's running release (restarts, crash loop). */
  recordRuntime(status: RuntimeStatus): Promise<void>;
  /** Forgets signals received before `before` (ms); resolves to how many. */
  pruneSignals(before: number): Promise<number>;
  /** The approval of a fork pull request under `forks: approve` (for its PR comment); null when none is known. */
  approvalFor(repo: string, pr: number): Promise<ForkApproval | null>;
  /** `/slipway deploy` requests not decided yet, oldest first. */
  approvalRequests(): Promise<ApprovalRequest[]>;
  /** Records a request's outcome (unless a newer request replaced it); an approval wakes the PR's fork previews. */
  decideApproval(decision: ApprovalDecision): Promise<void>;
  /** Resolves when the store answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
