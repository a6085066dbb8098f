/**
 * The settings of slipway's own environment that builds need to reach the network as this
 * machine does: its proxies (Docker's predefined build arguments), and npm's and pip's own
 * settings (a registry mirror, its token, a CA bundle). Nothing else of slipway's environment,
 * which holds its secrets, reaches an app's build.
 */
export const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'] as const;

/** npm reads `npm_config_*` in any case (`NPM_CONFIG_REGISTRY`); pip reads `PIP_*`. */
const NPM_SETTING = /^npm_config_./i;
const PIP_SETTING = /^PIP_./;

function pick(env: NodeJS.ProcessEnv, wanted: (name: string) => boolean): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && wanted(name)) picked[name] = value;
  }
  return picked;
}

/** The proxy variables set in `env`. */
export function proxyVariables(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return pick(env, (name) => (PROXY_VARIABLES as readonly string[]).includes(name));
}

/**
 * Settings npm gives every script it runs, naming slipway's own folders and user (its prefix,
 * its user config, its cache): never an app build's.
 */
const NPM_OWN = new Set(['cache', 'globalconfig', 'global_prefix', 'init_module', 'local_prefix', 'node_gyp', 'nodedir', 'npm_version', 'prefix', 'user_agent', 'userconfig']);

/**
 * npm's and pip's settings in `env`: they may shape what a build makes. When slipway itself runs
 * as an npm script (`npm start`), npm has put its whole config of slipway's user into the
 * environment as lowercase `npm_config_*`: only the upper-case `NPM_CONFIG_*` an operator set
 * pass then.
 */
export function packageManagerSettings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const underNpm = env.npm_lifecycle_event !== undefined || env.npm_command !== undefined;
  const npmSetting = (name: string) => {
    if (!NPM_SETTING.test(name) || NPM_OWN.has(name.slice('npm_config_'.length).toLowerCase())) return false;
    return !underNpm || name.startsWith('NPM_CONFIG_');
  };
  return pick(env, (name) => npmSetting(name) || PIP_SETTING.test(name));
}
