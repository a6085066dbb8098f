import type Database from 'better-sqlite3';
import type { NotificationFacts } from '../../domain/notifications.js';
import { whereOf } from './filters.js';
import type { Notification, NotificationAttempt, NotificationQuery, QueuedEvent, RecordedEvent } from '../notifications.js';

const COLUMNS = `id, receiver, event, app, env AS environment, state, attempts, created_at AS createdAt, since,
  next_at AS nextAttemptAt, last_attempt_at AS lastAttemptAt, last_status AS lastStatus, last_answer AS lastAnswer,
  last_error AS lastError, finished_at AS finishedAt, facts`;

type Row = Omit<Notification, 'facts'> & { facts: string };

const toNotification = (row: Row): Notification => ({ ...row, facts: JSON.parse(row.facts) as NotificationFacts });

/** SQL for the notifications outbox; runs on the store's worker thread. */
export function createNotificationQueries(db: Database.Database) {
  const events = db.prepare('SELECT seq, facts FROM notification_events ORDER BY seq LIMIT ?');
  const eventBySeq = db.prepare('SELECT facts FROM notification_events WHERE seq = ?').pluck();
  const forget = db.prepare('DELETE FROM notification_events WHERE seq = ?');
  const insert = db.prepare(`INSERT INTO notifications (id, receiver, event, app, env, facts, created_at, since, next_at)
    VALUES (@id, @receiver, @event, @app, @env, @facts, @now, @now, @now)`);
  const next = db.prepare(`SELECT ${COLUMNS} FROM notifications WHERE receiver = ? AND state = 'pending' ORDER BY seq LIMIT 1`);
  const byId = db.prepare(`SELECT ${COLUMNS} FROM notifications WHERE id = ?`);
  const attempt = db.prepare(`UPDATE notifications SET state = @state, attempts = attempts + 1, next_at = coalesce(@nextAt, next_at),
      last_attempt_at = @at, last_status = @status, last_answer = @answer, last_error = @error,
      finished_at = CASE WHEN @state = 'pending' THEN NULL ELSE @at END
    WHERE id = @id AND state = 'pending'`);
  const resend = db.prepare(`UPDATE notifications SET state = 'pending', since = @now, next_at = @now, finished_at = NULL
    WHERE id = @id AND state = 'failed'`);

  return {
    recordedEvents(limit: number): RecordedEvent[] {
      return (events.all(limit) as { seq: number; facts: string }[]).map(({ seq, facts }) => ({ seq, facts: JSON.parse(facts) as NotificationFacts }));
    },
    queueNotifications(queued: QueuedEvent[], now: number): null {
      for (const { seq, notifications } of queued) {
        const text = eventBySeq.get(seq) as string | undefined;
        if (text === undefined) continue;
        const facts = JSON.parse(text) as NotificationFacts;
        for (const { id, receiver } of notifications) {
          insert.run({ id, receiver, event: facts.event, app: facts.app, env: facts.environment, facts: text, now });
        }
        forget.run(seq);
      }
      return null;
    },
    nextNotification(receiver: string): Notification | null {
      const row = next.get(receiver) as Row | undefined;
      return row === undefined ? null : toNotification(row);
    },
    recordAttempt(outcome: NotificationAttempt): null {
      const { id, at, state, status, answer, error } = outcome;
      attempt.run({ id, at, state, status, answer, error, nextAt: outcome.nextAttemptAt ?? null });
      return null;
    },
    listNotifications(query: NotificationQuery): Notification[] {
      const { clause, values } = whereOf([
        ['state = ?', query.state],
        ['receiver = ?', query.receiver],
        ['seq < (SELECT seq FROM notifications WHERE id = ?)', query.before],
      ]);
      return (db.prepare(`SELECT ${COLUMNS} FROM notifications ${clause} ORDER BY seq DESC LIMIT ?`)
        .all(...values, query.limit) as Row[]).map(toNotification);
    },
    getNotification(id: string): Notification | null {
      const row = byId.get(id) as Row | undefined;
      return row === undefined ? null : toNotification(row);
    },
    resendNotification(id: string, now: number): boolean {
      return resend.run({ id, now }).changes === 1;
    },
    abandonNotifications(receivers: string[], reason: string, now: number): number {
      const known = JSON.stringify(receivers);
      return db.prepare(`UPDATE notifications SET state = 'failed', last_error = ?, finished_at = ?
        WHERE state = 'pending' AND receiver NOT IN (SELECT value FROM json_each(?))`).run(reason, now, known).changes;
    },
  };
}
