/**
 * The file `slipway export` writes and `slipway import` reads: JSON lines, one object each.
 * - the header: `{"format":"slipway-export","version":1,"source":"sqlite","schema":15,"exportedAt":…}`
 * - one line per row: `{"table":"environments","row":{…}}`, tables in the order of TABLES (a
 *   row's parents come before it), each row with exactly its table's columns;
 * - the end: `{"end":true,"rows":{"environments":3,…}}`, so a cut-off file is refused whole.
 * Values are JSON: numbers, strings, null; booleans as true/false, lists as arrays, bytes as
 * base64 and JSON columns as their text.
 */

export const EXPORT_FORMAT = 'slipway-export';
export const EXPORT_VERSION = 1;

export const COLUMN_TYPES = ['int', 'text', 'bool', 'list', 'bytes', 'json'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface TransferTable {
  name: string;
  columns: readonly (readonly [string, ColumnType])[];
}

const table = (name: string, columns: Record<string, ColumnType>): TransferTable => ({ name, columns: Object.entries(columns) });

/**
 * What moves: everything the environments need to go on as they were (their deployments and
 * timelines, the inbox, CI signals, pull request comments, approvals and commands, recovery's
 * positions, the notifications outbox). Not moved: leases (no one holds any in a new store),
 * the lease tenure each deployment ran under (so one left unfinished is interrupted at the
 * first start, as after a crash), the inbox's claims (the new store's dispatchers claim
 * what is pending) and the requests to bring pull request comments up to date (transient: at
 * its start the reporter checks the comment of every recent preview anyway). Rows keep their
 * ids, so links to deployments and deliveries stay true. Rows without an id of their own
 * (timeline entries, commands) keep their order.
 */
export const TABLES: readonly TransferTable[] = [
  table('deliveries', {
    seq: 'int', id: 'text', event: 'text', action: 'text', hook_id: 'text', target_type: 'text', target_id: 'text',
    repository: 'text', received_at: 'int', status: 'text', error: 'text', processed_at: 'int',
  }),
  table('delivery_payloads', { seq: 'int', encoding: 'text', body: 'bytes' }),
  table('hooks', { id: 'text', type: 'text', events: 'list', repository: 'text', seen_at: 'int' }),
  table('environments', {
    id: 'int', app: 'text', name: 'text', present: 'bool', desired_ref: 'text', pinned_sha: 'text', generation: 'int',
    observed_generation: 'int', observed_sha: 'text', state: 'text', url: 'text', pr: 'int', branch: 'text', ttl_ms: 'int',
    last_commit_at: 'int', expires_at: 'int', last_trigger: 'text', last_delivery: 'text', event_at: 'int', requested_at: 'int',
    rule: 'text', quarantined_sha: 'text', github_deployment_id: 'int', artifact_run_id: 'int', restarts: 'int', last_exit: 'text',
    fork: 'bool', keep: 'bool', head_sha: 'text', held: 'bool', redeploy: 'int', slept_at: 'int', wakes: 'int', used_at: 'int',
    built_by: 'text', failed_sha: 'text', failed_config: 'text', destroy_reason: 'text', rollback_from: 'text',
    rollback_reason: 'text', created_at: 'int', updated_at: 'int',
  }),
  table('deployments', {
    id: 'int', environment_id: 'int', generation: 'int', sha: 'text', ref: 'text', trigger: 'text', delivery_id: 'text',
    github_deployment_id: 'int', artifact_run_id: 'int', state: 'text', reported_state: 'text', error: 'text', log: 'text',
    built_by: 'text', created_at: 'int', started_at: 'int', finished_at: 'int',
  }),
  table('deployment_timeline', { deployment_id: 'int', at: 'int', state: 'text', message: 'text' }),
  table('ci_signals', {
    repo: 'text', sha: 'text', kind: 'text', name: 'text', app: 'text', state: 'text', conclusion: 'text', url: 'text',
    ord_id: 'int', ord_attempt: 'int', ord_phase: 'int', received_at: 'int',
  }),
  table('pr_comments', { repo: 'text', pr: 'int', comment_id: 'int', body: 'text', updated_at: 'int' }),
  table('recovery_positions', { hook: 'text', delivery_id: 'int', updated_at: 'int' }),
  table('redeliveries', { guid: 'text', hook: 'text', asked_at: 'int' }),
  table('fork_approvals', {
    repo: 'text', pr: 'int', state: 'text', head_sha: 'text', sha: 'text', by_login: 'text', reason: 'text', updated_at: 'int',
  }),
  table('pr_commands', {
    repo: 'text', comment_id: 'int', pr: 'int', on_pr: 'bool', login: 'text', text: 'text', delivery_id: 'text', state: 'text',
    outcome: 'text', reaction: 'text', received_at: 'int', decided_at: 'int',
  }),
  table('notification_events', { seq: 'int', facts: 'json', created_at: 'int' }),
  table('notifications', {
    seq: 'int', id: 'text', receiver: 'text', event: 'text', app: 'text', env: 'text', facts: 'json', state: 'text',
    attempts: 'int', created_at: 'int', since: 'int', next_at: 'int', last_attempt_at: 'int', last_status: 'int',
    last_answer: 'text', last_error: 'text', finished_at: 'int',
  }),
];

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  source: 'sqlite';
  /** The source store's schema version. */
  schema: number;
  exportedAt: number;
}

export interface ExportEnd {
  end: true;
  /** Rows written, by table. */
  rows: Record<string, number>;
}

export type Row = Record<string, unknown>;

/** Why `value` cannot be a value of a column of `type`, or null. */
export function valueProblem(type: ColumnType, value: unknown): string | null {
  if (value === null) return null;
  switch (type) {
    case 'int':
      return Number.isSafeInteger(value) ? null : 'expected a whole number';
    case 'bool':
      return typeof value === 'boolean' ? null : 'expected true or false';
    case 'list':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? null : 'expected a list of strings';
    case 'bytes':
      return typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value) ? null : 'expected base64 text';
    default:
      return typeof value === 'string' ? null : 'expected a string';
  }
}
