/**
 * `store.url`: where the PostgreSQL store is. Only the scheme and the form are checked here;
 * whether the server answers is known when slipway connects. Messages never repeat the URL,
 * which may carry a password.
 */
export const STORE_URL_HELP = 'write it as postgres://user:password@host:5432/database (or postgresql://…)';

/** Why `text` cannot be the PostgreSQL store's URL, or null when it can. */
export function storeUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `is not a URL; ${STORE_URL_HELP}`;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return `must be a postgres:// or postgresql:// URL (slipway keeps its store in PostgreSQL there, else in SQLite in store.dataDir); ${STORE_URL_HELP}`;
  }
  return null;
}
