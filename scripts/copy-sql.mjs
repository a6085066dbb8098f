// Copies the SQL files under src/ (the PostgreSQL store's migrations) beside the compiled
// modules in the folder given (dist, or build/src): the TypeScript compiler copies only what it
// compiles, and the store reads its migrations from beside itself.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Copies src/**\/*.sql into `out` at the same relative paths. */
export function copySql(out) {
  for (const file of readdirSync('src', { recursive: true }).map(String).filter((name) => name.endsWith('.sql'))) {
    cpSync(join('src', file), join(out, file));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [out] = process.argv.slice(2);
  if (out === undefined) {
    console.error('usage: node scripts/copy-sql.mjs <folder of the compiled src>');
    process.exit(2);
  }
  copySql(out);
}
