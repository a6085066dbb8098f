import { join } from 'node:path';
import type { Env } from '../config/expand.js';
import type { Config } from '../config/schema.js';
import { API_TOKEN_FILE } from '../http/access.js';
import { loadOrCreateSecret, readSecretFile } from '../ingest/secret.js';
import type { Logger } from '../logger.js';

/** The API token the operator set: $SLIPWAY_API_TOKEN, else server.apiToken (as $SLIPWAY_PORT beats server.port). */
function configuredApiToken(config: Config, env: Env): string | undefined {
  return env.SLIPWAY_API_TOKEN || config.server.apiToken;
}

/**
 * The token `slipway serve` requires: the configured one, else the one it generated in its data
 * folder at first start (kept beside the webhook secret and reused). Logs where, never the token.
 */
export function serverApiToken(config: Config, env: Env, log: Logger): string {
  const configured = configuredApiToken(config, env);
  if (configured !== undefined) return configured;
  const { secret, file, created } = loadOrCreateSecret(config.store.dataDir, API_TOKEN_FILE);
  const message = created
    ? 'generated an API token (readable only by you); the CLI reads it from there, other clients send it as "Authorization: Bearer <token>"'
    : 'using the API token slipway generated earlier';
  log.info({ apiTokenFile: file }, message);
  return secret;
}

/** The token the CLI sends: the configured one, else the file `serve` generated in the config's data folder. */
export function clientApiToken(config: Config, env: Env): string | undefined {
  return configuredApiToken(config, env) ?? readSecretFile(join(config.store.dataDir, API_TOKEN_FILE));
}
