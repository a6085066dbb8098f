import { restoreStore } from '../store/sqlite/backup.js';
import type { Command } from './command.js';
import { parse } from './args.js';
import { CONFIG_OPTION, loadCliConfig } from './config-option.js';
import { oneFile } from './store-file.js';
import { refuseUnlessSqlite } from './store-option.js';
import { print, printBlock } from './output.js';

const HELP = `usage: slipway restore FILE [--config FILE]

Replaces slipway's store (store.dataDir/slipway.db) with FILE, a copy "slipway backup" made.
Stop slipway first: restore refuses while a slipway holds the data folder. FILE is checked
first: a file that is not a sound slipway store, or one made by a newer slipway, is refused
and nothing changes. The store it replaces is kept as slipway.db.before-restore.

At the next start slipway converges to the restored state: environments the backup knew are
deployed again where what runs differs from their desired state, and environments it did
not know are destroyed as orphans.

For the SQLite store only: a PostgreSQL store is restored with pg_restore.

  --config FILE  config file, for store.dataDir (default: $SLIPWAY_CONFIG, else ./slipway.yaml)`;

export const restore: Command = {
  summary: 'replace the store with a backup (slipway stopped)',
  async run(argv) {
    const { values, positionals } = parse('restore', argv, CONFIG_OPTION, true);
    if (values.help) return printBlock(HELP), 0;
    const file = oneFile('restore', positionals);
    const { config } = await loadCliConfig(values.config, ['store']);
    refuseUnlessSqlite('restore', config);
    const result = await restoreStore(config.store.dataDir, file);
    print(
      `restored ${file} (schema ${result.schema}) into ${config.store.dataDir}`,
      ...(result.replaced === null ? [] : [`the store it replaced is kept at ${result.replaced}`]),
      'start slipway: it converges the environments to the restored state and destroys those the backup did not know',
    );
    return 0;
  },
};
