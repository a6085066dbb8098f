import { loadConfig, type ConfigSection, type LoadedConfig } from '../config/load.js';

export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const;

/**
 * The config named by --config, else $SLIPWAY_CONFIG, else ./slipway.yaml when present; with
 * `only`, just those sections (see LoadOptions.only).
 */
export function loadCliConfig(flag: string | undefined, only?: readonly ConfigSection[]): Promise<LoadedConfig> {
  const file = flag ?? (process.env.SLIPWAY_CONFIG || undefined);
  return loadConfig({ file, env: process.env, cwd: process.cwd(), ...(only === undefined ? {} : { only }) });
}

/** Where the local server listens, for commands that talk to it. */
export function localUrl(loaded: LoadedConfig): string {
  const port = process.env.SLIPWAY_PORT || String(loaded.config.server.port);
  return `http://127.0.0.1:${port}`;
}
