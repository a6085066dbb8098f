import type Database from 'better-sqlite3';
import type { EnvironmentChange } from '../../domain/environments.js';
import type { SignalRecord } from '../../domain/signals.js';
import { compressPayload, decompressPayload } from '../payloads.js';
import { createApprovalQueries } from './approval-queries.js';
import { createCommandQueries } from './command-queries.js';
import { createDashboardQueries } from './dashboard-queries.js';
import { createDeploymentQueries } from './deployment-queries.js';
import { createEnvironmentQueries } from './environment-queries.js';
import { whereOf } from './filters.js';
import { createHistoryQueries } from './history-queries.js';
import { createNotificationQueries } from './notification-queries.js';
import { createRecoveryQueries } from './recovery-queries.js';
import { createReportQueries } from './report-queries.js';
import { createRetentionQueries } from './retention-queries.js';
import { createSignalQueries } from './signal-queries.js';
import { createSizeQueries } from './size-queries.js';
import type {
  Backlog,
  Delivery,
  DeliveryQuery,
  DeliverySummary,
  DispatchResult,
  HookRecord,
  InsertOutcome,
  NewDelivery,
} from '../store.js';

const SUMMARY_COLUMNS = `seq, id, event, action, hook_id AS hookId, target_type AS targetType,
  target_id AS targetId, repository, received_at AS receivedAt, status, error,
  processed_at AS processedAt`;

interface HookRow {
  id: string;
  type: string | null;
  events: string;
  repository: string | null;
  seenAt: number;
}

/**
 * The SQL behind the Store, as plain synchronous functions over one connection. They run
 * on the store's worker thread, inside the transaction of the batch they arrive in.
 */
export function createQueries(db: Database.Database) {
  const environments = createEnvironmentQueries(db);
  const deployments = createDeploymentQueries(db);
  const signals = createSignalQueries(db);
  const recovery = createRecoveryQueries(db);
  const reports = createReportQueries(db);
  const approvals = createApprovalQueries(db);
  const commands = createCommandQueries(db, environments.applyChange);
  const insert = db.prepare(`INSERT INTO deliveries
    (id, event, action, hook_id, target_type, target_id, repository, received_at)
    VALUES (@id, @event, @action, @hookId, @targetType, @targetId, @repository, @receivedAt)
    ON CONFLICT (id) DO NOTHING RETURNING seq`);
  const insertPayload = db.prepare(
    `INSERT INTO delivery_payloads (seq, encoding, body) VALUES (?, 'br', ?)`,
  );
  const byId = db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM deliveries WHERE id = ?`);
  const payloadOf = db.prepare(`SELECT p.body FROM delivery_payloads p
    JOIN deliveries d ON d.seq = p.seq WHERE d.id = ?`).pluck();
  // The repositories other holders' unexpired claims hold are left alone; in SQLite nothing else
  // claims between the read and the write, so each repository's claimed deliveries are its oldest.
  const claim = db.prepare(`WITH held AS (
      SELECT DISTINCT lower(repository) AS repository FROM deliveries
      WHERE status = 'pending' AND claimed_by IS NOT NULL AND claim_expires > @now AND claimed_by != @holder)
    UPDATE deliveries SET claimed_by = @holder, claim_expires = @until
    WHERE seq IN (SELECT seq FROM deliveries d WHERE status = 'pending'
      AND NOT EXISTS (SELECT 1 FROM held WHERE held.repository IS lower(d.repository))
      ORDER BY seq LIMIT @limit)
    RETURNING ${SUMMARY_COLUMNS}`);
  const release = db.prepare(`UPDATE deliveries SET claimed_by = NULL, claim_expires = NULL
    WHERE status = 'pending' AND claimed_by = ?`);
  const finish = db.prepare(`UPDATE deliveries SET status = ?, error = ?, processed_at = ?,
      claimed_by = NULL, claim_expires = NULL
    WHERE id = ? AND status = 'pending' AND claimed_by = ?`);
  const upsertHook = db.prepare(`INSERT INTO hooks (id, type, events, repository, seen_at)
    VALUES (@id, @type, @events, @repository, @seenAt)
    ON CONFLICT (id) DO UPDATE SET type = excluded.type, events = excluded.events,
      repository = excluded.repository, seen_at = excluded.seen_at`);
  const hooks = db.prepare('SELECT id, type, events, repository, seen_at AS seenAt FROM hooks ORDER BY id');
  const backlog = db.prepare(`SELECT count(*) AS pending, min(received_at) AS oldestReceivedAt
    FROM deliveries WHERE status = 'pending'`);
  const lease = db.prepare('SELECT holder, token, expires_at AS expiresAt FROM leases WHERE name = ?');
  const putLease = db.prepare(`INSERT INTO leases (name, holder, token, expires_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token,
      expires_at = excluded.expires_at`);
  // A released lease keeps its row so the next token still grows.
  const dropLease = db.prepare('UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?');

  return {
    insertDelivery({ payload, ...delivery }: NewDelivery): InsertOutcome {
      const row = insert.get(delivery) as { seq: number } | undefined;
      if (row === undefined) return 'duplicate';
      insertPayload.run(row.seq, compressPayload(payload));
      return 'inserted';
    },
    getDelivery(id: string): Delivery | null {
      const summary = byId.get(id) as DeliverySummary | undefined;
      if (summary === undefined) return null;
      const body = payloadOf.get(id) as Buffer | undefined;
      return { ...summary, payload: body === undefined ? null : decompressPayload(body) };
    },
    deliveryPayloads(ids: string[]): Map<string, string> {
      const payloads = new Map<string, string>();
      for (const id of ids) {
        const body = payloadOf.get(id) as Buffer | undefined;
        if (body !== undefined) payloads.set(id, decompressPayload(body));
      }
      return payloads;
    },
    listDeliveries(query: DeliveryQuery): DeliverySummary[] {
      const { clause, values } = whereOf([['event = ?', query.event], ['status = ?', query.status], ['repository = ? COLLATE NOCASE', query.repository], ['seq < ?', query.beforeSeq]]);
      return db
        .prepare(`SELECT ${SUMMARY_COLUMNS} FROM deliveries ${clause} ORDER BY seq DESC LIMIT ?`)
        .all(...values, query.limit) as DeliverySummary[];
    },
    claimDeliveries(holder: string, limit: number, ttlMs: number, now: number): DeliverySummary[] {
      const claimed = claim.all({ holder, limit, now, until: now + ttlMs }) as DeliverySummary[];
      return claimed.sort((a, b) => a.seq - b.seq);
    },
    releaseDeliveries(holder: string): null {
      release.run(holder);
      return null;
    },
    finishDeliveries(holder: string, results: DispatchResult[]): string[] {
      const applied: string[] = [];
      for (const result of results) {
        if (finish.run(result.status, result.error, result.processedAt, result.id, holder).changes !== 1) continue;
        if (result.hook) upsertHook.run({ ...result.hook, events: JSON.stringify(result.hook.events) });
        for (const record of result.signals ?? []) signals.recordSignal(record, result.id, result.processedAt);
        for (const change of result.changes ?? []) environments.applyChange(change, result.id, result.processedAt);
        for (const note of result.approvals ?? []) approvals.noteApproval(note, result.processedAt);
        for (const note of result.commands ?? []) commands.noteCommand(note, result.id, result.processedAt);
        applied.push(result.id);
      }
      return applied;
    },
    /** Marks a delivery pending again, so the dispatcher applies it anew (replay). */
    requeueDelivery(id: string): boolean {
      return db.prepare(`UPDATE deliveries SET status = 'pending', error = NULL, processed_at = NULL,
          claimed_by = NULL, claim_expires = NULL
        WHERE id = ? AND status != 'pending'`).run(id).changes === 1;
    },
    backlog(): Backlog {
      return backlog.get() as Backlog;
    },
    listHooks(): HookRecord[] {
      return (hooks.all() as HookRow[]).map((row) => ({ ...row, events: JSON.parse(row.events) as string[] }));
    },
    acquireLease(name: string, holder: string, ttlMs: number, now = Date.now()): number | null {
      const current = lease.get(name) as { holder: string; token: number; expiresAt: number } | undefined;
      const held = current !== undefined && current.expiresAt > now;
      if (held && current.holder !== holder) return null;
      // Renewal keeps the token; a new tenure (first, after expiry or release) gets the next one.
      const token = held ? current.token : (current?.token ?? 0) + 1;
      putLease.run(name, holder, token, now + ttlMs);
      return token;
    },
    releaseLease(name: string, holder: string): void {
      dropLease.run(name, holder);
    },
    changeEnvironments(changes: EnvironmentChange[], source: string, now: number): void {
      for (const change of changes) environments.applyChange(change, source, now);
    },
    getEnvironment: environments.getEnvironment,
    listEnvironments: environments.listEnvironments,
    unconvergedEnvironments: environments.unconvergedEnvironments,
    expiredEnvironments: environments.expiredEnvironments,
    markConverged: environments.markConverged,
    recordRuntime: environments.recordRuntime,
    markSleeping: environments.markSleeping,
    recordUse: environments.recordUse,
    ...deployments,
    ...createHistoryQueries(db),
    ...createDashboardQueries(db),
    /** Signals read outside a delivery (the GitHub API): kept and woken on exactly as a delivery's. */
    recordSignals(records: SignalRecord[], now: number): null {
      for (const record of records) signals.recordSignal(record, null, now);
      return null;
    },
    signalsFor: signals.signalsFor,
    ...recovery,
    ...reports,
    approvalFor: approvals.approvalFor,
    approvalRequests: approvals.approvalRequests,
    decideApproval: approvals.decideApproval,
    pendingCommands: commands.pendingCommands,
    markReacted: commands.markReacted,
    decideCommand: commands.decideCommand,
    lastCommand: commands.lastCommand,
    ...createNotificationQueries(db),
    ...createRetentionQueries(db),
    ...createSizeQueries(db),
    ping(): null {
      db.prepare('SELECT 1').get();
      return null;
    },
  };
}

export type Queries = ReturnType<typeof createQueries>;
export type QueryName = keyof Queries;
