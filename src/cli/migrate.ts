import type { Command } from './command.js';
import { parse } from './args.js';
import { CONFIG_OPTION, loadCliConfig } from './config-option.js';
import { print, printBlock } from './output.js';
import { STORE_HELP, STORE_OPTION, storeWhere } from './store-option.js';

const HELP = `usage: slipway migrate [--config FILE] [--store URL]

Brings the PostgreSQL store to this slipway's schema and exits: the migrations it lacks are
applied, each in its own transaction, under an advisory lock (a replica starting meanwhile
waits, then finds nothing to do). Run it before starting the replicas of a new version, as a
release step, so that none of them starts by migrating. A database a newer slipway migrated
is refused, and nothing changes.

"slipway serve" applies pending migrations itself at start, so running this is optional. The
SQLite store needs none of it: its data folder belongs to one slipway, which migrates it when
it opens it.

  --config, -c FILE  config file, for store.url (default: $SLIPWAY_CONFIG, else ./slipway.yaml)
${STORE_HELP}`;

export const migrate: Command = {
  summary: 'apply the PostgreSQL store\'s pending migrations',
  async run(argv) {
    const { values } = parse('migrate', argv, { ...CONFIG_OPTION, ...STORE_OPTION });
    if (values.help) return printBlock(HELP), 0;
    const { config } = await loadCliConfig(values.config, ['store']);
    const where = storeWhere(values.store, config);
    if (where.url === null) {
      print(`the store is SQLite in ${where.dataDir}: slipway migrates it when it opens it, nothing to do here (for PostgreSQL, pass --store URL or set store.url)`);
      return 0;
    }
    const { migrate: apply, loadMigrations } = await import('../store/postgres/migrations.js');
    const { parseUrl } = await import('../store/postgres/connection.js');
    const shown = parseUrl(where.url).shown;
    const known = loadMigrations();
    const applied = await apply(where.url);
    const latest = Math.max(...known.map((migration) => migration.version));
    if (applied.length === 0) {
      print(`${shown} is up to date: schema version ${latest}`);
      return 0;
    }
    for (const version of applied) {
      print(`applied migration ${version} (${known.find((migration) => migration.version === version)?.name ?? '?'})`);
    }
    print(`${shown} is at schema version ${latest}`);
    return 0;
  },
};
