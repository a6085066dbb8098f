import type { TestContext } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { startService, type Service } from '../../src/service.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from './temp.js';

export const SECRET = 'test-secret-7f3a';

export interface TestService extends Service {
  store: SqliteStore;
  dataDir: string;
  workDir: string;
}

/** A real slipway instance (HTTP on a free port, SQLite in a temp folder), closed after the test. */
export async function startTestService(
  t: TestContext,
  options: { yaml?: string; secrets?: string[] | null; dataDir?: string } = {},
): Promise<TestService> {
  const dataDir = options.dataDir ?? tempDir(t);
  const config = parseConfig(options.yaml ?? '', 'test.yaml', {}, dataDir);
  config.store.dataDir = dataDir;
  const workDir = tempDir(t, 'slipway-work-');
  config.store.workDir = workDir;
  const store = await SqliteStore.open(dataDir);
  const service = await startService({
    config,
    store,
    log: createLogger({ level: 'silent', pretty: false }),
    secrets: options.secrets === undefined ? [SECRET] : options.secrets,
    port: 0,
    host: '127.0.0.1',
    routerPort: 0,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await service.close(2000);
    await store.close();
  };
  t.after(close);
  return { ...service, close, store, dataDir, workDir };
}
