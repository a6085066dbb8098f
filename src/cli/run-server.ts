import { statSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import type { LoadedConfig } from '../config/load.js';
import { webhookSecrets } from '../config/schema.js';
import { loadOrCreateSecret, SECRET_FILE } from '../ingest/secret.js';
import { createLogger, type Logger } from '../logger.js';
import { startService } from '../service.js';
import { openStore, type StoreWhere } from '../store/open-store.js';
import { serverApiToken } from './api-token.js';
import { print } from './output.js';

export interface RunServerOptions {
  loaded: LoadedConfig;
  /** Reads the config again, as at start (SIGHUP, `slipway reload`). */
  reread: () => Promise<LoadedConfig>;
  /** Where the store is (--store, $SLIPWAY_STORE_URL, store.url, else SQLite in store.dataDir). */
  store: StoreWhere;
  port: number | undefined;
  host: string | undefined;
  insecureSkipSignature: boolean;
}

/** `slipway serve`: wires the instances together, runs until a signal, then shuts down. */
export async function runServer(options: RunServerOptions): Promise<number> {
  const { config, file } = options.loaded;
  const log = createLogger({ level: config.log.level, pretty: prettyLogs() });
  log.info({ config: file ?? '(defaults)', dataDir: config.store.dataDir, workDir: config.store.workDir }, 'starting slipway');
  if (file !== null) warnIfReadable(file, log);

  if (options.store.url !== null) warnGeneratedSecrets(options.loaded, options.insecureSkipSignature, log);
  const secrets = options.insecureSkipSignature ? null : resolveSecrets(options.loaded, log);
  if (secrets === null) {
    log.warn('--insecure-skip-signature: webhooks are accepted WITHOUT checking their signature; never expose this server');
  }
  const apiToken = serverApiToken(config, process.env, log);
  const { store, replicas, kind, location } = await openStore(options.store, (message) => log.warn(message));
  log.info({ kind, location }, kind === 'postgres' ? 'the store is PostgreSQL, which replicas may share' : 'the store is SQLite in the data folder');
  const service = await startService({
    config,
    store,
    replicas,
    log,
    secrets,
    apiToken,
    port: options.port ?? config.server.port,
    host: options.host ?? config.server.host,
    readConfig: options.reread,
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  // Signal handlers go in before "listening" is announced: a signal in between must not
  // take the default action and kill the process mid-request.
  const stopped = new Promise<number>((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      log.info({ signal }, 'shutting down: finishing requests in flight');
      void service
        .close()
        .then(() => store.close())
        .then(
          () => {
            log.info('stopped');
            resolve(0);
          },
          (error: unknown) => {
            log.error({ err: error }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // SIGHUP reads the config again; the service logs what changed, or why it refused it.
    process.on('SIGHUP', () => {
      log.info({ signal: 'SIGHUP' }, 'reading the config again');
      service.reload().catch((error: unknown) => {
        if (!(error instanceof ConfigError)) log.error({ err: error }, 'the config reload failed');
      });
    });
  });
  const shown = config.server.publicUrl ?? service.url;
  log.info({ url: service.url, webhook: `${shown}/webhooks/github`, dashboard: `${shown}/` }, 'slipway is listening');
  return stopped;
}

/** The config file may hold secrets: one that other users (such as the apps' commands) can read is worth a warning. */
function warnIfReadable(file: string, log: Logger): void {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o044) !== 0) {
    log.warn({ file, mode: mode.toString(8) }, `the config file can be read by other users (the apps' commands among them) and may hold secrets: chmod 600 ${file}`);
  }
}

/**
 * Replicas sharing a PostgreSQL store each have their own data folder: a webhook secret or API
 * token generated there differs from replica to replica, and a load balancer's next request
 * would be refused. Says so before they are generated.
 */
function warnGeneratedSecrets(loaded: LoadedConfig, unsigned: boolean, log: Logger): void {
  const missing = [
    ...(unsigned || webhookSecrets(loaded.config, process.env).length > 0 ? [] : ['github.webhookSecret (or SLIPWAY_WEBHOOK_SECRET)']),
    ...(process.env.SLIPWAY_API_TOKEN || loaded.config.server.apiToken !== undefined ? [] : ['server.apiToken (or SLIPWAY_API_TOKEN)']),
  ];
  if (missing.length === 0) return;
  log.warn({ unset: missing }, 'with a PostgreSQL store, set these for every replica alike: a secret generated in each replica\'s own data folder differs from the others\', and requests that reach another replica are refused');
}

/** Human-readable logs on a terminal, JSON lines otherwise; SLIPWAY_LOG_FORMAT=pretty|json decides when set. */
export function prettyLogs(): boolean {
  return process.env.SLIPWAY_LOG_FORMAT ? process.env.SLIPWAY_LOG_FORMAT === 'pretty' : process.stdout.isTTY;
}

function resolveSecrets(loaded: LoadedConfig, log: Logger): string[] {
  const configured = webhookSecrets(loaded.config, process.env);
  if (configured.length > 0) return configured;
  const { secret, file, created } = loadOrCreateSecret(loaded.config.store.dataDir, SECRET_FILE);
  if (created) {
    print(
      ...[
        '',
        `slipway generated a webhook secret and saved it in ${file} (readable only by you).`,
        'Paste it into GitHub: repository (or organization) Settings → Webhooks → Add webhook →',
        `"Secret"; print it with: cat ${file}`,
        'Or set github.webhookSecret in slipway.yaml or SLIPWAY_WEBHOOK_SECRET to use your own.',
        '',
      ],
    );
  } else {
    log.info({ file }, 'using the webhook secret slipway generated earlier');
  }
  return [secret];
}
