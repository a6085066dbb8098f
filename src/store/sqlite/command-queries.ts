import type Database from 'better-sqlite3';
import type { CommandNote, CommandReaction, CommandRecord } from '../../domain/commands.js';
import type { EnvironmentChange } from '../../domain/environments.js';
import type { CommandDecision } from '../store.js';

/** A decided command's reaction that GitHub would not take is tried this long after the command arrived. */
const REACT_FOR_MS = 86_400_000;

const COLUMNS = `repo, comment_id AS commentId, pr, on_pr AS pullRequest, login, text, delivery_id AS deliveryId, state, outcome, reaction,
  received_at AS receivedAt, decided_at AS decidedAt`;

type CommandRow = Omit<CommandRecord, 'pullRequest'> & { pullRequest: number };
const toCommand = (row: CommandRow): CommandRecord => ({ ...row, pullRequest: row.pullRequest === 1 });

/** SQL for pull request commands; runs on the store's worker thread. */
export function createCommandQueries(db: Database.Database, applyChange: (change: EnvironmentChange, deliveryId: string, now: number) => void) {
  // The comment is the key: a replayed or redelivered delivery brings the same command, which is kept once.
  const insert = db.prepare(`INSERT INTO pr_commands (repo, comment_id, pr, on_pr, login, text, delivery_id, state, outcome, received_at, decided_at)
    VALUES (@repo, @commentId, @pr, @onPr, @login, @text, @deliveryId, CASE WHEN @refusal IS NULL THEN 'received' ELSE 'refused' END,
      @refusal, @now, CASE WHEN @refusal IS NULL THEN NULL ELSE @now END)
    ON CONFLICT (repo, comment_id) DO NOTHING`);
  const pending = db.prepare(`SELECT ${COLUMNS} FROM pr_commands
    WHERE (state = 'received' OR reaction IS NULL OR reaction = 'eyes') AND (state = 'received' OR received_at > ?)
    ORDER BY received_at, rowid`);
  const one = db.prepare(`SELECT ${COLUMNS} FROM pr_commands WHERE repo = ? AND comment_id = ?`);
  const decide = db.prepare(`UPDATE pr_commands SET state = @state, outcome = @outcome, decided_at = @now
    WHERE repo = @repo AND comment_id = @commentId AND state = 'received'`);
  const latest = db.prepare(`SELECT ${COLUMNS} FROM pr_commands WHERE repo = ? AND pr = ? ORDER BY received_at DESC, rowid DESC LIMIT 1`);

  return {
    /** Keeps a command a delivery brings; called inside finishDeliveries. */
    noteCommand(note: CommandNote, deliveryId: string, now: number): void {
      const { pullRequest, ...fields } = note;
      insert.run({ ...fields, onPr: pullRequest ? 1 : 0, deliveryId, now });
    },
    pendingCommands(now: number): CommandRecord[] {
      return (pending.all(now - REACT_FOR_MS) as CommandRow[]).map(toCommand);
    },
    markReacted(repo: string, commentId: number, reaction: CommandReaction): void {
      db.prepare('UPDATE pr_commands SET reaction = ? WHERE repo = ? AND comment_id = ?').run(reaction, repo, commentId);
    },
    /** The changes apply as the command's delivery's would, together with its outcome; never twice. */
    decideCommand(decision: CommandDecision, now: number): boolean {
      const command = one.get(decision.repo, decision.commentId) as CommandRow | undefined;
      if (command?.state !== 'received') return false;
      for (const change of decision.changes) applyChange(change, command.deliveryId, now);
      decide.run({ repo: decision.repo, commentId: decision.commentId, state: decision.state, outcome: decision.outcome, now });
      return true;
    },
    lastCommand(repo: string, pr: number): CommandRecord | null {
      const row = latest.get(repo, pr) as CommandRow | undefined;
      return row === undefined ? null : toCommand(row);
    },
  };
}
