import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { StoreError } from '../errors.js';
import type { InsertOutcome, Store } from '../store.js';
import { lockDataDir } from './lock.js';
import type { Queries, QueryName } from './queries.js';
import type { Request, WorkerMessage, WorkerOptions } from './protocol.js';

export const DATABASE_FILE = 'slipway.db';
/** Held by the slipway that has the data folder open (see lock.ts). */
export const LOCK_FILE = 'slipway.lock';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/**
 * The embedded Store: SQLite in `<dataDir>/slipway.db`, driven from a worker thread.
 * Each call is sent to the worker, runs in the next group-committed transaction, and
 * resolves only after that transaction is synced to disk.
 */
export class SqliteStore implements Store {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: StoreError | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly unlock: () => void,
    /** The database file. */
    private readonly file: string,
  ) {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type !== 'replies') return;
      for (const reply of message.replies) {
        const waiter = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.ok) waiter?.resolve(reply.value);
        else waiter?.reject(new StoreError(reply.code ?? 'store_failed', reply.message));
      }
    });
    const fail = (error: StoreError) => {
      this.failure ??= error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => fail(new StoreError('store_crashed', `store worker failed: ${error.message}`)));
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        fail(new StoreError('store_closed', 'the store is closed'));
        resolve();
      }),
    );
  }

  /** `notice` hears what opening says before a long step (the one-time VACUUM of an older store). */
  static async open(dataDir: string, notice: (message: string) => void = () => {}): Promise<SqliteStore> {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const unlock = lockDataDir(join(dataDir, LOCK_FILE));
    const options: WorkerOptions = { file: join(dataDir, DATABASE_FILE) };
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: options });
    try {
      await new Promise<void>((resolve, reject) => {
        const opening = (message: WorkerMessage) => {
          if (message.type === 'notice') return notice(message.message);
          worker.off('message', opening);
          if (message.type === 'ready') resolve();
          else reject(new StoreError('store_open', `cannot open ${options.file}: ${message.type === 'fatal' ? message.message : 'unexpected reply'}`));
        };
        worker.on('message', opening);
        worker.once('error', (error) => reject(new StoreError('store_open', `cannot open ${options.file}: ${error.message}`)));
      });
    } catch (error) {
      await worker.terminate();
      unlock();
      throw error;
    }
    return new SqliteStore(worker, unlock, options.file);
  }

  private call<K extends QueryName>(op: K, ...args: Parameters<Queries[K]>): Promise<ReturnType<Queries[K]>> {
    return this.send(op, args) as Promise<ReturnType<Queries[K]>>;
  }

  private send(op: Request['op'], args: unknown[], transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args } satisfies Request, transfer);
    });
  }

  insertDelivery: Store['insertDelivery'] = (delivery) => {
    // A private copy of the payload bytes moves to the worker without a second copy.
    const payload = new Uint8Array(delivery.payload);
    return this.send('insertDelivery', [{ ...delivery, payload }], [payload.buffer]) as Promise<InsertOutcome>;
  };
  deliveryPayloads: Store['deliveryPayloads'] = (ids) => this.call('deliveryPayloads', ids);
  getDelivery: Store['getDelivery'] = (id) => this.call('getDelivery', id);
  listDeliveries: Store['listDeliveries'] = (query) => this.call('listDeliveries', query);
  claimDeliveries: Store['claimDeliveries'] = (holder, limit, ttlMs) => this.call('claimDeliveries', holder, limit, ttlMs, Date.now());
  finishDeliveries: Store['finishDeliveries'] = (holder, results) => this.call('finishDeliveries', holder, results);
  releaseDeliveries: Store['releaseDeliveries'] = async (holder) => {
    await this.call('releaseDeliveries', holder);
  };
  requeueDelivery: Store['requeueDelivery'] = (id) => this.call('requeueDelivery', id);
  backlog: Store['backlog'] = () => this.call('backlog');
  listHooks: Store['listHooks'] = () => this.call('listHooks');
  repositoryHooks: Store['repositoryHooks'] = () => this.call('repositoryHooks');
  recoveryPosition: Store['recoveryPosition'] = (hook) => this.call('recoveryPosition', hook);
  missedDeliveries: Store['missedDeliveries'] = (guids) => this.call('missedDeliveries', guids);
  recordRecovery: Store['recordRecovery'] = (progress) => this.call('recordRecovery', progress, Date.now());
  /**
   * Nothing to tell: the data folder is this process's alone (lock.ts), so no other process
   * brings work or changes anything, and what this one does nudges its dispatcher, reconciler,
   * reporter, notifier and dashboard directly.
   */
  onWork: Store['onWork'] = () => () => undefined;
  onChange: Store['onChange'] = () => () => undefined;
  acquireLease: Store['acquireLease'] = (name, holder, ttlMs) => this.call('acquireLease', name, holder, ttlMs);
  releaseLease: Store['releaseLease'] = (name, holder) => this.call('releaseLease', name, holder);
  changeEnvironments: Store['changeEnvironments'] = (changes, source) =>
    this.call('changeEnvironments', changes, source, Date.now());
  getEnvironment: Store['getEnvironment'] = (app, name) => this.call('getEnvironment', app, name);
  listEnvironments: Store['listEnvironments'] = (options) => this.call('listEnvironments', options?.includeDestroyed ?? false);
  unconvergedEnvironments: Store['unconvergedEnvironments'] = (limit) => this.call('unconvergedEnvironments', limit);
  expiredEnvironments: Store['expiredEnvironments'] = () => this.call('expiredEnvironments', Date.now());
  markConverged: Store['markConverged'] = (id, generation, fence) => this.call('markConverged', id, generation, fence, Date.now());
  beginDeployment: Store['beginDeployment'] = (begin) => this.call('beginDeployment', begin, Date.now());
  startDeployment: Store['startDeployment'] = (id, message, fence) => this.call('startDeployment', id, message, fence, Date.now());
  waitingDeployments: Store['waitingDeployments'] = () => this.call('waitingDeployments');
  recordSignals: Store['recordSignals'] = async (records) => {
    await this.call('recordSignals', records, Date.now());
  };
  signalsFor: Store['signalsFor'] = (repo, sha) => this.call('signalsFor', repo, sha);
  approvalFor: Store['approvalFor'] = (repo, pr) => this.call('approvalFor', repo, pr);
  approvalRequests: Store['approvalRequests'] = () => this.call('approvalRequests');
  decideApproval: Store['decideApproval'] = (decision) => this.call('decideApproval', decision, Date.now());
  pendingCommands: Store['pendingCommands'] = () => this.call('pendingCommands', Date.now());
  markReacted: Store['markReacted'] = (repo, commentId, reaction) => this.call('markReacted', repo, commentId, reaction);
  decideCommand: Store['decideCommand'] = (decision) => this.call('decideCommand', decision, Date.now());
  lastCommand: Store['lastCommand'] = (repo, pr) => this.call('lastCommand', repo, pr);
  recordRuntime: Store['recordRuntime'] = (status) => this.call('recordRuntime', status, Date.now());
  markSleeping: Store['markSleeping'] = (id, asleep, fence) => this.call('markSleeping', id, asleep, fence, Date.now());
  recordUse: Store['recordUse'] = (uses) => this.call('recordUse', uses);
  completeDeployment: Store['completeDeployment'] = (complete) => this.call('completeDeployment', complete, Date.now());
  completeDestroy: Store['completeDestroy'] = (id, generation, fence) => this.call('completeDestroy', id, generation, fence, Date.now());
  interruptDeployments: Store['interruptDeployments'] = () => this.call('interruptDeployments', Date.now());
  takeOverDeployments: Store['takeOverDeployments'] = (id, fence) => this.call('takeOverDeployments', id, fence, Date.now());
  getDeployment: Store['getDeployment'] = (id) => this.call('getDeployment', id);
  listDeployments: Store['listDeployments'] = (id, limit) => this.call('listDeployments', id, limit);
  latestDeployments: Store['latestDeployments'] = (ids, perEnvironment) => this.call('latestDeployments', ids, perEnvironment);
  deploymentHistory: Store['deploymentHistory'] = (id, limit) => this.call('deploymentHistory', id, limit);
  deliveryEffects: Store['deliveryEffects'] = (deliveryId) => this.call('deliveryEffects', deliveryId);
  finishedDeployments: Store['finishedDeployments'] = (since) => this.call('finishedDeployments', since);
  unreportedDeployments: Store['unreportedDeployments'] = (limit) => this.call('unreportedDeployments', limit, Date.now());
  markReported: Store['markReported'] = (id, state, githubDeploymentId) => this.call('markReported', id, state, githubDeploymentId);
  getPrComment: Store['getPrComment'] = (repo, pr) => this.call('getPrComment', repo, pr);
  putPrComment: Store['putPrComment'] = (comment) => this.call('putPrComment', comment, Date.now());
  requestComments: Store['requestComments'] = (requests) => this.call('requestComments', requests, Date.now());
  commentRequests: Store['commentRequests'] = (limit) => this.call('commentRequests', limit);
  clearCommentRequests: Store['clearCommentRequests'] = (requests) => this.call('clearCommentRequests', requests);
  recordedEvents: Store['recordedEvents'] = (limit) => this.call('recordedEvents', limit);
  queueNotifications: Store['queueNotifications'] = (events) => this.call('queueNotifications', events, Date.now()).then(() => undefined);
  nextNotification: Store['nextNotification'] = (receiver) => this.call('nextNotification', receiver);
  recordAttempt: Store['recordAttempt'] = (attempt) => this.call('recordAttempt', attempt).then(() => undefined);
  listNotifications: Store['listNotifications'] = (query) => this.call('listNotifications', query);
  getNotification: Store['getNotification'] = (id) => this.call('getNotification', id);
  resendNotification: Store['resendNotification'] = (id) => this.call('resendNotification', id, Date.now());
  abandonNotifications: Store['abandonNotifications'] = (receivers, reason) => this.call('abandonNotifications', receivers, reason, Date.now());
  prune: Store['prune'] = (step) => this.call('prune', step);
  reclaimSpace: Store['reclaimSpace'] = (pages) => this.call('reclaimSpace', pages);
  sizes: Store['sizes'] = async () => {
    const [rows, ...files] = await Promise.all([
      this.call('rowCounts'),
      ...[this.file, `${this.file}-wal`].map((file) => stat(file).then((found) => found.size, () => 0)),
    ]);
    return { bytes: files.reduce((sum, size) => sum + size, 0), ...rows };
  };
  ping: Store['ping'] = async () => {
    await this.call('ping');
  };

  async close(): Promise<void> {
    if (!this.failure) await this.send('close', []).catch(() => undefined);
    await this.exited;
    this.unlock();
  }
}
