import type { CommandNote, CommandReaction, CommandRecord } from '../../domain/commands.js';
import type { CommandDecision } from '../store.js';
import type { Sql } from './database.js';
import { applyChange } from './environment-queries.js';

/** A decided command's reaction that GitHub would not take is tried this long after the command arrived. */
const REACT_FOR_MS = 86_400_000;

const COLUMNS = `repo, comment_id AS "commentId", pr, on_pr AS "pullRequest", login, text, delivery_id AS "deliveryId", state, outcome,
  reaction, received_at AS "receivedAt", decided_at AS "decidedAt"`;

/** Keeps a command a delivery brings. The comment is the key: a replayed or redelivered delivery brings the same command, kept once. */
export async function noteCommand(sql: Sql, note: CommandNote, deliveryId: string, now: number): Promise<void> {
  await sql.run(`INSERT INTO pr_commands (repo, comment_id, pr, on_pr, login, text, delivery_id, state, outcome, received_at, decided_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::text IS NULL THEN 'received' ELSE 'refused' END,
      $8, $9, CASE WHEN $8::text IS NULL THEN NULL ELSE $9::bigint END)
    ON CONFLICT (lower(repo), comment_id) DO NOTHING`,
  [note.repo, note.commentId, note.pr, note.pullRequest, note.login, note.text, deliveryId, note.refusal, now]);
}

/** Commands undecided, or decided whose last reaction is not posted yet (for a day), oldest first. */
export function pendingCommands(sql: Sql, now: number): Promise<CommandRecord[]> {
  return sql.all(`SELECT ${COLUMNS} FROM pr_commands
    WHERE (state = 'received' OR reaction IS NULL OR reaction = 'eyes') AND (state = 'received' OR received_at > $1)
    ORDER BY received_at, seq`, [now - REACT_FOR_MS]);
}

export async function markReacted(sql: Sql, repo: string, commentId: number, reaction: CommandReaction): Promise<void> {
  await sql.run('UPDATE pr_commands SET reaction = $1 WHERE lower(repo) = lower($2) AND comment_id = $3', [reaction, repo, commentId]);
}

/** The changes apply as the command's delivery's would, together with its outcome; never twice. */
export async function decideCommand(sql: Sql, decision: CommandDecision, now: number): Promise<boolean> {
  const command = await sql.get<{ state: string; deliveryId: string }>(`SELECT state, delivery_id AS "deliveryId" FROM pr_commands
    WHERE lower(repo) = lower($1) AND comment_id = $2`, [decision.repo, decision.commentId]);
  if (command?.state !== 'received') return false;
  for (const change of decision.changes) await applyChange(sql, change, command.deliveryId, now);
  await sql.run(`UPDATE pr_commands SET state = $1, outcome = $2, decided_at = $3
    WHERE lower(repo) = lower($4) AND comment_id = $5 AND state = 'received'`, [decision.state, decision.outcome, now, decision.repo, decision.commentId]);
  return true;
}

/** The newest command on a pull request, for its comment. */
export async function lastCommand(sql: Sql, repo: string, pr: number): Promise<CommandRecord | null> {
  return (await sql.get<CommandRecord>(`SELECT ${COLUMNS} FROM pr_commands WHERE lower(repo) = lower($1) AND pr = $2
    ORDER BY received_at DESC, seq DESC LIMIT 1`, [repo, pr])) ?? null;
}
