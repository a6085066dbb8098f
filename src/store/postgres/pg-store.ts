import type { ReplicaStore, RouteStore } from '../replicas.js';
import type { Store } from '../store.js';
import { createListenClient, createPool, DEFAULT_ANSWER_TIMEOUT_MS, parseUrl, type PgOptions } from './connection.js';
import { Database, type Isolation, type Sql } from './database.js';
import * as approvals from './approval-queries.js';
import * as commands from './command-queries.js';
import * as dashboard from './dashboard-queries.js';
import * as deployments from './deployment-queries.js';
import * as environments from './environment-queries.js';
import * as history from './history-queries.js';
import * as inbox from './inbox-queries.js';
import { GroupCommit } from './ingest.js';
import * as leases from './lease-queries.js';
import { migrate } from './migrations.js';
import * as notifications from './notification-queries.js';
import * as recovery from './recovery-queries.js';
import * as replicas from './replica-queries.js';
import * as routes from './route-queries.js';
import * as reports from './report-queries.js';
import { pruneBatch } from './retention-queries.js';
import * as signals from './signal-queries.js';
import { sizes } from './size-queries.js';
import { WorkListener } from './work-listener.js';

/**
 * The Store on PostgreSQL, which several slipway replicas share. Every method is one unit of
 * work, run one of these ways (database.ts says what each isolation guarantees):
 * - a lone statement on the pool (reads of one statement; single-statement writes whose WHERE
 *   or upsert decides against the row as the last writer left it: leases, marks, recordUse);
 * - `snapshot`: reads of several statements, all from one snapshot;
 * - `atomic` (READ COMMITTED): several statements each safe alone (queueing notifications
 *   claims each event by deleting it; recovery's upserts only move forward);
 * - `serializable`: read-modify-write of environments, deployments, commands, approvals and
 *   retention, which read rows and decide on them (staleness, the environment a change is
 *   about, rollback's last good sha, what a prune keeps). A unit that lost a race runs again.
 * Fenced writes check their lease FOR SHARE first (lease-queries.ts). Word of work other
 * replicas bring comes by LISTEN/NOTIFY (work-listener.ts).
 */
export class PgStore implements Store, ReplicaStore, RouteStore {
  private readonly ingest: GroupCommit;
  /** The bound on what a waiting caller needs answered: storing a webhook, readiness. */
  private readonly answerMs: number;

  private constructor(
    private readonly db: Database,
    private readonly work: WorkListener,
    options: PgOptions,
  ) {
    this.answerMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    this.ingest = new GroupCommit(db, this.answerMs);
  }

  /**
   * Connects to `url` (postgres://user:password@host:port/database), migrates, and is ready.
   * Migrations run on a connection of their own, without the statements' time bound.
   */
  static async open(url: string, options: PgOptions = {}): Promise<PgStore> {
    const target = parseUrl(url);
    await migrate(url, options);
    return new PgStore(new Database(createPool(url, options), target), new WorkListener(() => createListenClient(url, options)), options);
  }

  /** The server as logs and messages may show it: the URL without its password. */
  get location(): string {
    return this.db.target.shown;
  }

  private one<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return this.db.statement(work);
  }

  private unit<T>(isolation: Isolation, work: (sql: Sql) => Promise<T>): Promise<T> {
    return this.db.transaction(isolation, work);
  }

  insertDelivery: Store['insertDelivery'] = (delivery) => this.ingest.insert(delivery);
  getDelivery: Store['getDelivery'] = (id) => this.one((sql) => inbox.getDelivery(sql, id));
  listDeliveries: Store['listDeliveries'] = (query) => this.one((sql) => inbox.listDeliveries(sql, query));
  claimDeliveries: Store['claimDeliveries'] = (holder, limit, ttlMs) => this.unit('atomic', (sql) => inbox.claimDeliveries(sql, holder, limit, ttlMs));
  releaseDeliveries: Store['releaseDeliveries'] = (holder) => this.one((sql) => inbox.releaseDeliveries(sql, holder));
  deliveryPayloads: Store['deliveryPayloads'] = (ids) => this.one((sql) => inbox.deliveryPayloads(sql, ids));
  finishDeliveries: Store['finishDeliveries'] = (holder, results) =>
    this.unit('serializable', async (sql) => {
      const applied: string[] = [];
      for (const result of results) {
        if (!(await inbox.finishDelivery(sql, holder, result.id, result.status, result.error, result.processedAt))) continue;
        if (result.hook) await inbox.upsertHook(sql, result.hook);
        for (const record of result.signals ?? []) await signals.recordSignal(sql, record, result.id, result.processedAt);
        for (const change of result.changes ?? []) await environments.applyChange(sql, change, result.id, result.processedAt);
        for (const note of result.approvals ?? []) await approvals.noteApproval(sql, note, result.processedAt);
        for (const note of result.commands ?? []) await commands.noteCommand(sql, note, result.id, result.processedAt);
        applied.push(result.id);
      }
      return applied;
    });
  requeueDelivery: Store['requeueDelivery'] = (id) => this.one((sql) => inbox.requeueDelivery(sql, id));
  backlog: Store['backlog'] = () => this.one((sql) => inbox.backlog(sql));

  listHooks: Store['listHooks'] = () => this.one((sql) => inbox.listHooks(sql));
  repositoryHooks: Store['repositoryHooks'] = () => this.one((sql) => recovery.repositoryHooks(sql));
  recoveryPosition: Store['recoveryPosition'] = (hook) => this.one((sql) => recovery.recoveryPosition(sql, hook));
  missedDeliveries: Store['missedDeliveries'] = (guids) => this.one((sql) => recovery.missedDeliveries(sql, guids));
  recordRecovery: Store['recordRecovery'] = (progress) => this.unit('atomic', (sql) => recovery.recordRecovery(sql, progress, Date.now()));

  onWork: Store['onWork'] = (listener) => this.work.onWork(listener);
  onChange: Store['onChange'] = (listener) => this.work.onChange(listener);
  acquireLease: Store['acquireLease'] = (name, holder, ttlMs) => this.one((sql) => leases.acquireLease(sql, name, holder, ttlMs));
  releaseLease: Store['releaseLease'] = (name, holder) => this.one((sql) => leases.releaseLease(sql, name, holder));

  changeEnvironments: Store['changeEnvironments'] = (changes, source) => {
    const now = Date.now();
    return this.unit('serializable', async (sql) => {
      for (const change of changes) await environments.applyChange(sql, change, source, now);
    });
  };
  getEnvironment: Store['getEnvironment'] = (app, name) => this.one((sql) => environments.getEnvironment(sql, app, name));
  listEnvironments: Store['listEnvironments'] = (options) => this.one((sql) => environments.listEnvironments(sql, options?.includeDestroyed ?? false));
  unconvergedEnvironments: Store['unconvergedEnvironments'] = (limit) => this.one((sql) => environments.unconvergedEnvironments(sql, limit));
  expiredEnvironments: Store['expiredEnvironments'] = () => this.one((sql) => environments.expiredEnvironments(sql, Date.now()));
  markConverged: Store['markConverged'] = (id, generation, fence) =>
    this.unit('serializable', (sql) => environments.markConverged(sql, id, generation, fence, Date.now()));
  recordRuntime: Store['recordRuntime'] = (status) => this.unit('serializable', (sql) => environments.recordRuntime(sql, status, Date.now()));
  markSleeping: Store['markSleeping'] = (id, asleep, fence) =>
    this.unit('serializable', (sql) => environments.markSleeping(sql, id, asleep, fence, Date.now()));
  recordUse: Store['recordUse'] = (uses) => this.one((sql) => environments.recordUse(sql, uses));

  beginDeployment: Store['beginDeployment'] = (begin) => this.unit('serializable', (sql) => deployments.beginDeployment(sql, begin, Date.now()));
  startDeployment: Store['startDeployment'] = (id, message, fence) =>
    this.unit('serializable', (sql) => deployments.startDeployment(sql, id, message, fence, Date.now()));
  waitingDeployments: Store['waitingDeployments'] = () => this.one((sql) => deployments.waitingDeployments(sql));
  completeDeployment: Store['completeDeployment'] = (complete) =>
    this.unit('serializable', (sql) => deployments.completeDeployment(sql, complete, Date.now()));
  completeDestroy: Store['completeDestroy'] = (id, generation, fence) =>
    this.unit('serializable', (sql) => deployments.completeDestroy(sql, id, generation, fence, Date.now()));
  interruptDeployments: Store['interruptDeployments'] = () => this.unit('serializable', (sql) => deployments.interruptDeployments(sql, Date.now()));
  takeOverDeployments: Store['takeOverDeployments'] = (id, fence) =>
    this.unit('serializable', (sql) => deployments.takeOverDeployments(sql, id, fence, Date.now()));
  getDeployment: Store['getDeployment'] = (id) => this.unit('snapshot', (sql) => deployments.getDeployment(sql, id));
  listDeployments: Store['listDeployments'] = (id, limit) => this.one((sql) => deployments.listDeployments(sql, id, limit));
  latestDeployments: Store['latestDeployments'] = (ids, perEnvironment) => this.one((sql) => history.latestDeployments(sql, ids, perEnvironment));
  deploymentHistory: Store['deploymentHistory'] = (id, limit) => this.unit('snapshot', (sql) => history.deploymentHistory(sql, id, limit));
  deliveryEffects: Store['deliveryEffects'] = (deliveryId) => this.unit('snapshot', (sql) => dashboard.deliveryEffects(sql, deliveryId));
  finishedDeployments: Store['finishedDeployments'] = (since) => this.one((sql) => dashboard.finishedDeployments(sql, since));

  unreportedDeployments: Store['unreportedDeployments'] = (limit) => this.one((sql) => reports.unreportedDeployments(sql, limit, Date.now()));
  markReported: Store['markReported'] = (id, state, githubDeploymentId) => this.one((sql) => reports.markReported(sql, id, state, githubDeploymentId));
  getPrComment: Store['getPrComment'] = (repo, pr) => this.one((sql) => reports.getPrComment(sql, repo, pr));
  putPrComment: Store['putPrComment'] = (comment) => this.one((sql) => reports.putPrComment(sql, comment, Date.now()));
  requestComments: Store['requestComments'] = (requests) => this.one((sql) => reports.requestComments(sql, requests, Date.now()));
  commentRequests: Store['commentRequests'] = (limit) => this.one((sql) => reports.commentRequests(sql, limit));
  clearCommentRequests: Store['clearCommentRequests'] = (requests) => this.one((sql) => reports.clearCommentRequests(sql, requests));

  recordSignals: Store['recordSignals'] = (records) => {
    const now = Date.now();
    return this.unit('serializable', async (sql) => {
      for (const record of records) await signals.recordSignal(sql, record, null, now);
    });
  };
  signalsFor: Store['signalsFor'] = (repo, sha) => this.one((sql) => signals.signalsFor(sql, repo, sha));

  approvalFor: Store['approvalFor'] = (repo, pr) => this.one((sql) => approvals.approvalFor(sql, repo, pr));
  approvalRequests: Store['approvalRequests'] = () => this.one((sql) => approvals.approvalRequests(sql));
  decideApproval: Store['decideApproval'] = (decision) => this.unit('serializable', (sql) => approvals.decideApproval(sql, decision, Date.now()));

  pendingCommands: Store['pendingCommands'] = () => this.one((sql) => commands.pendingCommands(sql, Date.now()));
  markReacted: Store['markReacted'] = (repo, commentId, reaction) => this.one((sql) => commands.markReacted(sql, repo, commentId, reaction));
  decideCommand: Store['decideCommand'] = (decision) => this.unit('serializable', (sql) => commands.decideCommand(sql, decision, Date.now()));
  lastCommand: Store['lastCommand'] = (repo, pr) => this.one((sql) => commands.lastCommand(sql, repo, pr));

  recordedEvents: Store['recordedEvents'] = (limit) => this.one((sql) => notifications.recordedEvents(sql, limit));
  queueNotifications: Store['queueNotifications'] = (events) =>
    this.unit('atomic', (sql) => notifications.queueNotifications(sql, events, Date.now()));
  nextNotification: Store['nextNotification'] = (receiver) => this.one((sql) => notifications.nextNotification(sql, receiver));
  recordAttempt: Store['recordAttempt'] = (attempt) => this.one((sql) => notifications.recordAttempt(sql, attempt));
  listNotifications: Store['listNotifications'] = (query) => this.one((sql) => notifications.listNotifications(sql, query));
  getNotification: Store['getNotification'] = (id) => this.one((sql) => notifications.getNotification(sql, id));
  resendNotification: Store['resendNotification'] = (id) => this.one((sql) => notifications.resendNotification(sql, id, Date.now()));
  abandonNotifications: Store['abandonNotifications'] = (receivers, reason) =>
    this.one((sql) => notifications.abandonNotifications(sql, receivers, reason, Date.now()));

  prune: Store['prune'] = (step) => this.unit('serializable', (sql) => pruneBatch(sql, step));
  /**
   * Nothing to do, and no free pages held back: PostgreSQL's autovacuum marks the space of
   * removed rows free for the same tables' next rows, so a store past its retention ages stops
   * growing. Giving space back to the file system takes VACUUM FULL, which locks each table
   * against every replica while it rewrites it: an operator's job, not a background one.
   */
  reclaimSpace: Store['reclaimSpace'] = async () => 0;
  sizes: Store['sizes'] = () => this.unit('snapshot', (sql) => sizes(sql));
  ping: Store['ping'] = async () => {
    await this.db.statement((sql) => sql.run('SELECT 1'), this.answerMs);
  };

  registerReplica: ReplicaStore['registerReplica'] = (replica) => this.unit('atomic', (sql) => replicas.registerReplica(sql, replica));
  heartbeatReplica: ReplicaStore['heartbeatReplica'] = (id, processApps) => this.one((sql) => replicas.heartbeatReplica(sql, id, processApps));
  removeReplica: ReplicaStore['removeReplica'] = (id) => this.one((sql) => replicas.removeReplica(sql, id));
  liveReplicas: ReplicaStore['liveReplicas'] = (withinMs) => this.one((sql) => replicas.liveReplicas(sql, withinMs));
  putRoute: RouteStore['putRoute'] = (app, env, route) => this.one((sql) => routes.putRoute(sql, app, env, route));
  listRoutes: RouteStore['listRoutes'] = () => this.one((sql) => routes.listRoutes(sql));

  /** Stops listening, lets deliveries handed over commit, then ends the pool; later calls fail with `store_closed`. */
  async close(): Promise<void> {
    await this.work.close();
    await this.ingest.settled();
    await this.db.close();
  }
}
