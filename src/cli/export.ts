import type { Command } from './command.js';
import { parse } from './args.js';
import { CONFIG_OPTION, loadCliConfig } from './config-option.js';
import { oneFile, rowCounts } from './store-file.js';
import { print, printBlock } from './output.js';

const HELP = `usage: slipway export FILE [--config FILE]

Writes the SQLite store of store.dataDir to FILE (JSON lines) for "slipway import" into a
PostgreSQL store: environments, deployments with their timelines and logs, the inbox (each
delivery with its payload), the webhooks heard from, CI signals, pull request comments,
approvals and commands, and the notifications outbox. Leases are left out: no one holds
one in the new store.

It reads a copy of the store made with SQLite's online backup, so slipway may run meanwhile:
FILE then holds what was committed when the export began. To move without losing a webhook,
stop slipway, export, import, and start the replicas on PostgreSQL (GitHub's deliveries in
between fail, and slipway's recovery asks GitHub for them again once it runs).

FILE holds webhook payloads and deployment logs: it is made readable only by you. An
existing FILE is never replaced.

  --config, -c FILE  config file, for store.dataDir (default: $SLIPWAY_CONFIG, else ./slipway.yaml)`;

export const exportCommand: Command = {
  summary: 'write the SQLite store to a file for slipway import',
  async run(argv) {
    const { values, positionals } = parse('export', argv, CONFIG_OPTION, true);
    if (values.help) return printBlock(HELP), 0;
    const file = oneFile('export', positionals, 'slipway-export.jsonl');
    const { config } = await loadCliConfig(values.config, ['store']);
    const { exportStore } = await import('../store/sqlite/export.js');
    const result = await exportStore(config.store.dataDir, file);
    print(`exported the store of ${config.store.dataDir} (schema ${result.schema}) to ${result.file}: ${rowCounts(result.rows)}`);
    print(`import it with: slipway import ${file} --store URL`);
    return 0;
  },
};
