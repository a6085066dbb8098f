import type { Command } from './command.js';
import { parse, portValue } from './args.js';
import { CONFIG_OPTION, loadCliConfig } from './config-option.js';
import { printBlock } from './output.js';
import { STORE_OPTION, storeWhere } from './store-option.js';

const HELP = `usage: slipway serve [--config FILE] [--store URL] [--port N] [--host ADDR] [--insecure-skip-signature]

Starts slipway: the webhook endpoint POST /webhooks/github, the API under /api,
/healthz, /readyz and /metrics, and the dispatcher.

  --config, -c FILE            config file (default: $SLIPWAY_CONFIG, else ./slipway.yaml)
  --store URL                  the PostgreSQL store that replicas share, postgres://user@host:5432/db
                               (default: $SLIPWAY_STORE_URL, else store.url; without any, SQLite in
                               store.dataDir). Keep the password out of it (the process list shows
                               arguments): PGPASSWORD or ~/.pgpass
  --port, -p N                 listen port (default: $SLIPWAY_PORT, else server.port, 8080)
  --host ADDR                  listen address (default: server.host, 0.0.0.0)
  --insecure-skip-signature    accept unsigned webhooks: for local experiments only

With PostgreSQL, slipway applies its pending migrations at start (replicas starting together
apply each once) and refuses a database whose schema a newer slipway made.

SIGTERM or Ctrl-C stops taking requests, finishes those in flight, and exits. SIGHUP (or
"slipway reload") reads the config file again and puts it in force without a restart.`;

export const serve: Command = {
  summary: 'start the server',
  async run(argv) {
    const { values } = parse('serve', argv, {
      ...CONFIG_OPTION,
      ...STORE_OPTION,
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'insecure-skip-signature': { type: 'boolean' },
    });
    if (values.help) return printBlock(HELP), 0;
    const port = values.port !== undefined
      ? portValue(values.port, '--port')
      : process.env.SLIPWAY_PORT
        ? portValue(process.env.SLIPWAY_PORT, 'SLIPWAY_PORT')
        : undefined;
    const loaded = await loadCliConfig(values.config);
    const store = storeWhere(values.store, loaded.config);
    const { runServer } = await import('./run-server.js');
    return runServer({
      loaded,
      reread: () => loadCliConfig(values.config),
      store,
      port,
      host: values.host,
      insecureSkipSignature: values['insecure-skip-signature'] ?? false,
    });
  },
};
