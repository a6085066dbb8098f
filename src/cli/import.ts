import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CONFIG_OPTION, loadCliConfig } from './config-option.js';
import { oneFile, rowCounts } from './store-file.js';
import { print, printBlock } from './output.js';
import { STORE_HELP, STORE_OPTION, storeWhere } from './store-option.js';

const HELP = `usage: slipway import FILE [--store URL] [--config FILE]

Reads FILE, written by "slipway export" from an SQLite store, into the PostgreSQL store,
migrating it first. The store must be empty: import never merges into a store in use, and
refuses one that holds anything. It is one transaction: a file that is cut off or damaged
imports nothing. Run it with no slipway on that database.

Environments keep their ids, deployments theirs (links to deployment pages stay true), and
each replica keeps its own store.dataDir (git mirrors, the targets' state): start the first
replica with the data folder the SQLite slipway used, so what runs there is adopted.

${STORE_HELP}
  --config, -c FILE  config file, for store.url (default: $SLIPWAY_CONFIG, else ./slipway.yaml)`;

export const importCommand: Command = {
  summary: 'read a slipway export into an empty PostgreSQL store',
  async run(argv) {
    const { values, positionals } = parse('import', argv, { ...CONFIG_OPTION, ...STORE_OPTION }, true);
    if (values.help) return printBlock(HELP), 0;
    const file = oneFile('import', positionals, 'slipway-export.jsonl');
    const { config } = await loadCliConfig(values.config, ['store']);
    const { url } = storeWhere(values.store, config);
    if (url === null) throw new UsageError('slipway import writes into a PostgreSQL store: pass --store URL, or set SLIPWAY_STORE_URL or store.url');
    const { importStore } = await import('../store/postgres/import.js');
    const result = await importStore(url, file);
    print(`imported ${file} into ${result.location}: ${rowCounts(result.rows)}`);
    return 0;
  },
};
