import { parseRoute, type Route, type StoredRoute } from '../../domain/routes.js';
import type { Sql } from './database.js';

export async function putRoute(sql: Sql, app: string, env: string, route: Route | null): Promise<void> {
  if (route === null) {
    await sql.run('DELETE FROM routes WHERE app = $1 AND env = $2', [app, env]);
    return;
  }
  await sql.run(`INSERT INTO routes (app, env, route, updated_at) VALUES ($1, $2, $3, clock_timestamp())
    ON CONFLICT (app, env) DO UPDATE SET route = excluded.route, updated_at = excluded.updated_at`, [app, env, JSON.stringify(route)]);
}

export async function listRoutes(sql: Sql): Promise<StoredRoute[]> {
  const rows = await sql.all<{ app: string; env: string; route: string }>('SELECT app, env, route FROM routes ORDER BY app, env');
  return rows.flatMap(({ app, env, route }) => {
    const parsed = parseRoute(route);
    return parsed === null ? [] : [{ app, env, route: parsed }];
  });
}
