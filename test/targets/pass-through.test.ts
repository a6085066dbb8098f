import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packageManagerSettings, proxyVariables } from '../../src/targets/pass-through.js';

test('npm and pip settings and the proxies pass to builds; nothing else of slipway\'s environment does', () => {
  const env = {
    NPM_CONFIG_REGISTRY: 'https://npm.mirror.example/',
    npm_config_strict_ssl: 'true',
    PIP_INDEX_URL: 'https://pypi.mirror.example/simple',
    HTTPS_PROXY: 'http://proxy:3128',
    no_proxy: 'localhost',
    SLIPWAY_WEBHOOK_SECRET: 'never',
    GITHUB_TOKEN: 'never',
    PIPELINE: 'not pip',
  };
  assert.deepEqual(packageManagerSettings(env), {
    NPM_CONFIG_REGISTRY: 'https://npm.mirror.example/',
    npm_config_strict_ssl: 'true',
    PIP_INDEX_URL: 'https://pypi.mirror.example/simple',
  });
  assert.deepEqual(proxyVariables(env), { HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'localhost' });
});

test('npm\'s own folders never pass, and under `npm start` only the upper-case settings an operator set do', () => {
  const own = { npm_config_cache: '/root/.npm', npm_config_userconfig: '/root/.npmrc', npm_config_local_prefix: '/srv/slipway', NPM_CONFIG_PREFIX: '/usr' };
  assert.deepEqual(packageManagerSettings({ ...own, npm_config_registry: 'https://r.example/' }), { npm_config_registry: 'https://r.example/' });
  // As npm runs scripts: its config of slipway's user comes as lower-case npm_config_*.
  const underNpm = { npm_lifecycle_event: 'start', npm_config_audit: '', npm_config_fund: '', NPM_CONFIG_REGISTRY: 'https://r.example/', ...own };
  assert.deepEqual(packageManagerSettings(underNpm), { NPM_CONFIG_REGISTRY: 'https://r.example/' });
});
