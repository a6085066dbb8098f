import type { NotificationFacts } from '../../domain/notifications.js';
import type { Notification, NotificationAttempt, NotificationQuery, QueuedEvent, RecordedEvent } from '../notifications.js';
import type { Sql } from './database.js';
import { whereOf } from './filters.js';

const COLUMNS = `id, receiver, event, app, env AS environment, state, attempts, created_at AS "createdAt", since,
  next_at AS "nextAttemptAt", last_attempt_at AS "lastAttemptAt", last_status AS "lastStatus", last_answer AS "lastAnswer",
  last_error AS "lastError", finished_at AS "finishedAt", facts`;

export function recordedEvents(sql: Sql, limit: number): Promise<RecordedEvent[]> {
  return sql.all('SELECT seq, facts FROM notification_events ORDER BY seq LIMIT $1', [limit]);
}

/**
 * Each event is claimed by deleting it: a replica queueing the same event at the same time
 * waits on the row, then finds it gone and skips it, so an event is queued once.
 */
export async function queueNotifications(sql: Sql, queued: QueuedEvent[], now: number): Promise<void> {
  for (const { seq, notifications } of queued) {
    const facts = await sql.value<NotificationFacts>('DELETE FROM notification_events WHERE seq = $1 RETURNING facts', [seq]);
    if (facts === undefined || notifications.length === 0) continue;
    await sql.run(`INSERT INTO notifications (id, receiver, event, app, env, facts, created_at, since, next_at)
      SELECT n.id, n.receiver, $3, $4, $5, $6, $7, $7, $7 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS n(id, receiver, ord) ORDER BY n.ord`,
    [notifications.map((n) => n.id), notifications.map((n) => n.receiver), facts.event, facts.app, facts.environment, JSON.stringify(facts), now]);
  }
}

/** The oldest pending notification of a receiver (its queue is in order), or null. */
export async function nextNotification(sql: Sql, receiver: string): Promise<Notification | null> {
  return (await sql.get<Notification>(`SELECT ${COLUMNS} FROM notifications WHERE receiver = $1 AND state = 'pending' ORDER BY seq LIMIT 1`, [receiver])) ?? null;
}

/** Records one try's outcome; a notification no longer pending is left as it is. */
export async function recordAttempt(sql: Sql, outcome: NotificationAttempt): Promise<void> {
  const { id, at, state, status, answer, error } = outcome;
  await sql.run(`UPDATE notifications SET state = $1, attempts = attempts + 1, next_at = coalesce($2, next_at),
      last_attempt_at = $3, last_status = $4, last_answer = $5, last_error = $6,
      finished_at = CASE WHEN $1 = 'pending' THEN NULL ELSE $3::bigint END
    WHERE id = $7 AND state = 'pending'`, [state, outcome.nextAttemptAt ?? null, at, status, answer, error, id]);
}

/** Newest first. */
export function listNotifications(sql: Sql, query: NotificationQuery): Promise<Notification[]> {
  const { clause, values } = whereOf([
    ['state = ?', query.state],
    ['receiver = ?', query.receiver],
    ['seq < (SELECT seq FROM notifications WHERE id = ?)', query.before],
  ]);
  return sql.all(`SELECT ${COLUMNS} FROM notifications ${clause} ORDER BY seq DESC LIMIT $${values.length + 1}`, [...values, query.limit]);
}

export async function getNotification(sql: Sql, id: string): Promise<Notification | null> {
  return (await sql.get<Notification>(`SELECT ${COLUMNS} FROM notifications WHERE id = $1`, [id])) ?? null;
}

/** A failed notification is pending again, tried now, with 24 hours of retries anew. */
export async function resendNotification(sql: Sql, id: string, now: number): Promise<boolean> {
  return (await sql.run(`UPDATE notifications SET state = 'pending', since = $2, next_at = $2, finished_at = NULL
    WHERE id = $1 AND state = 'failed'`, [id, now])) === 1;
}

/** Pending notifications of receivers gone from the config fail, saying `reason`. */
export function abandonNotifications(sql: Sql, receivers: string[], reason: string, now: number): Promise<number> {
  return sql.run(`UPDATE notifications SET state = 'failed', last_error = $1, finished_at = $2
    WHERE state = 'pending' AND receiver <> ALL($3::text[])`, [reason, now, receivers]);
}
