import type Database from 'better-sqlite3';
import type { RecoveryProgress, RepositoryHook } from '../store.js';

/** SQL for the recovery of missed webhook deliveries; runs on the store's worker thread. */
export function createRecoveryQueries(db: Database.Database) {
  // Hooks that pinged, and hooks named by deliveries' X-GitHub-Hook-ID, of repository webhooks.
  const hooks = db.prepare(`SELECT id AS hookId, repository FROM hooks
      WHERE repository IS NOT NULL AND (type IS NULL OR type = 'Repository')
    UNION
    SELECT hook_id, repository FROM deliveries
      WHERE target_type = 'repository' AND hook_id IS NOT NULL AND repository IS NOT NULL
    ORDER BY 2, 1`);
  const position = db.prepare('SELECT delivery_id FROM recovery_positions WHERE hook = ?').pluck();
  const putPosition = db.prepare(`INSERT INTO recovery_positions (hook, delivery_id, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (hook) DO UPDATE SET delivery_id = max(delivery_id, excluded.delivery_id), updated_at = excluded.updated_at`);
  const missed = db.prepare(`SELECT g.value FROM json_each(?) g
    WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE id = g.value)
      AND NOT EXISTS (SELECT 1 FROM redeliveries WHERE guid = g.value)`).pluck();
  const ask = db.prepare('INSERT INTO redeliveries (guid, hook, asked_at) VALUES (?, ?, ?) ON CONFLICT (guid) DO NOTHING');
  const forget = db.prepare('DELETE FROM redeliveries WHERE asked_at < ?');

  return {
    repositoryHooks(): RepositoryHook[] {
      return hooks.all() as RepositoryHook[];
    },
    recoveryPosition(hook: string): number | null {
      return (position.get(hook) as number | undefined) ?? null;
    },
    missedDeliveries(guids: string[]): string[] {
      return missed.all(JSON.stringify(guids)) as string[];
    },
    recordRecovery(progress: RecoveryProgress, now: number): void {
      for (const guid of progress.asked) ask.run(guid, progress.hook, now);
      if (progress.position !== undefined) putPosition.run(progress.hook, progress.position, now);
      forget.run(progress.forgetBefore);
    },
  };
}
