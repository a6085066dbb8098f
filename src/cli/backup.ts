import { backupStore } from '../store/sqlite/backup.js';
import { formatBytes } from '../targets/command/output.js';
import type { Command } from './command.js';
import { parse } from './args.js';
import { CONFIG_OPTION, loadCliConfig } from './config-option.js';
import { oneFile } from './store-file.js';
import { refuseUnlessSqlite } from './store-option.js';
import { print, printBlock } from './output.js';

const HELP = `usage: slipway backup FILE [--force] [--config FILE]

Writes a consistent copy of slipway's store (store.dataDir/slipway.db) to FILE. It reads the
store file itself, so the server need not run and is not slowed down: while it runs, the copy
holds every webhook it had answered when the backup began. The copy is checked before it is
given its name; FILE is never left half written.

  --force        overwrite FILE when it exists
  --config FILE  config file, for store.dataDir (default: $SLIPWAY_CONFIG, else ./slipway.yaml)

Restore it with "slipway restore FILE" while slipway is stopped.

For the SQLite store only: a PostgreSQL store (store.url, $SLIPWAY_STORE_URL) is backed up
with PostgreSQL's own tools, pg_dump and pg_restore.`;

export const backup: Command = {
  summary: 'copy the store to a file while slipway runs',
  async run(argv) {
    const { values, positionals } = parse('backup', argv, { ...CONFIG_OPTION, force: { type: 'boolean' } }, true);
    if (values.help) return printBlock(HELP), 0;
    const file = oneFile('backup', positionals);
    const { config } = await loadCliConfig(values.config, ['store']);
    refuseUnlessSqlite('backup', config);
    const result = await backupStore(config.store.dataDir, file, values.force === true);
    print(`backed up the store of ${config.store.dataDir} to ${result.file} (${formatBytes(result.bytes)}, schema ${result.schema})`);
    return 0;
  },
};
