import type { TestContext } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { NotifyTiming } from '../../src/notify/timing.js';
import { startService, type Service } from '../../src/service.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import type { PgOptions } from '../../src/store/postgres/connection.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { callApi, type Api } from './api.js';
import { tempDir } from './temp.js';

export const SECRET = 'test-secret-7f3a';
/** The API token of every test service whose config sets none. */
export const API_TOKEN = 'test-api-token-51c2e9';

export interface TestService<S extends Store = SqliteStore> extends Service {
  store: S;
  dataDir: string;
  workDir: string;
  /** The token its API requires: server.apiToken when the test's config sets one, else API_TOKEN. */
  apiToken: string;
  /** A call to its API with that token. */
  api: Api;
}

export interface TestServiceOptions {
  yaml?: string;
  secrets?: string[] | null;
  dataDir?: string;
  /** Where it logs; silent by default. */
  log?: Logger;
  /** Shorter notification retries and polls. */
  notifyTiming?: Partial<NotifyTiming>;
  /** What slipway sees of the real store: a test may change one of its answers (another replica's lease). */
  view?: (store: Store) => Store;
}

/** A real slipway instance (HTTP on a free port, SQLite in a temp folder), closed after the test. */
export function startTestService(t: TestContext, options: TestServiceOptions = {}): Promise<TestService> {
  return startOn(t, options, (dataDir) => SqliteStore.open(dataDir));
}

/**
 * A real slipway instance on the PostgreSQL store at `url` (a test database of its own, see
 * postgres.ts), registered among the replicas sharing it, with its own data folder.
 */
export function startPgTestService(t: TestContext, url: string, options: TestServiceOptions & { pg?: PgOptions } = {}): Promise<TestService<PgStore>> {
  return startOn(t, options, () => PgStore.open(url, options.pg));
}

async function startOn<S extends Store>(t: TestContext, options: TestServiceOptions, open: (dataDir: string) => Promise<S>): Promise<TestService<S>> {
  // After hooks run in the order they were added: the service's close goes before the removal
  // of the folders made below, so nothing of it still writes there.
  let close = async () => {};
  t.after(() => close());
  const dataDir = options.dataDir ?? tempDir(t);
  const config = parseConfig(options.yaml ?? '', 'test.yaml', {}, dataDir);
  config.store.dataDir = dataDir;
  const workDir = tempDir(t, 'slipway-work-');
  config.store.workDir = workDir;
  const store = await open(dataDir);
  const apiToken = config.server.apiToken ?? API_TOKEN;
  const service = await startService({
    config,
    store: options.view?.(store) ?? store,
    replicas: store instanceof PgStore ? store : null,
    log: options.log ?? createLogger({ level: 'silent', pretty: false }),
    ...(options.notifyTiming === undefined ? {} : { notifyTiming: options.notifyTiming }),
    secrets: options.secrets === undefined ? [SECRET] : options.secrets,
    apiToken,
    port: 0,
    host: '127.0.0.1',
    routerPort: 0,
  }).catch(async (error: unknown) => {
    // A store left open would keep the test process running.
    await store.close();
    throw error;
  });
  let closed = false;
  close = async () => {
    if (closed) return;
    closed = true;
    await service.close(2000);
    await store.close();
  };
  return { ...service, close, store, dataDir, workDir, apiToken, api: (method, path, body) => callApi(service.url, apiToken, method, path, body) };
}
