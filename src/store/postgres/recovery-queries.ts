import type { RecoveryProgress, RepositoryHook } from '../store.js';
import type { Sql } from './database.js';

/** Hooks that pinged, and hooks named by deliveries' X-GitHub-Hook-ID, of repository webhooks. */
export function repositoryHooks(sql: Sql): Promise<RepositoryHook[]> {
  return sql.all(`SELECT * FROM (
      SELECT id AS "hookId", repository FROM hooks
        WHERE repository IS NOT NULL AND (type IS NULL OR type = 'Repository')
      UNION
      SELECT hook_id, repository FROM deliveries
        WHERE target_type = 'repository' AND hook_id IS NOT NULL AND repository IS NOT NULL
    ) h ORDER BY repository COLLATE "C", "hookId" COLLATE "C"`);
}

export async function recoveryPosition(sql: Sql, hook: string): Promise<number | null> {
  return (await sql.value<number>('SELECT delivery_id FROM recovery_positions WHERE hook = $1', [hook])) ?? null;
}

/** Of these GUIDs, in their order, those neither in the inbox nor asked to be redelivered already. */
export function missedDeliveries(sql: Sql, guids: string[]): Promise<string[]> {
  return sql.column(`SELECT g.guid FROM unnest($1::text[]) WITH ORDINALITY AS g(guid, ord)
    WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE id = g.guid)
      AND NOT EXISTS (SELECT 1 FROM redeliveries WHERE guid = g.guid)
    ORDER BY g.ord`, [guids]);
}

/** Each statement is an upsert or delete that is safe beside another replica's: the position only moves forward. */
export async function recordRecovery(sql: Sql, progress: RecoveryProgress, now: number): Promise<void> {
  await sql.run(`INSERT INTO redeliveries (guid, hook, asked_at) SELECT guid, $2, $3 FROM unnest($1::text[]) AS g(guid)
    ON CONFLICT (guid) DO NOTHING`, [progress.asked, progress.hook, now]);
  if (progress.position !== undefined) {
    await sql.run(`INSERT INTO recovery_positions AS p (hook, delivery_id, updated_at) VALUES ($1, $2, $3)
      ON CONFLICT (hook) DO UPDATE SET delivery_id = greatest(p.delivery_id, excluded.delivery_id), updated_at = excluded.updated_at`,
    [progress.hook, progress.position, now]);
  }
  await sql.run('DELETE FROM redeliveries WHERE asked_at < $1', [progress.forgetBefore]);
}
