import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { startService, type Service } from '../../src/service.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { callApi, type Api } from './api.js';
import { SECRET } from './service.js';
import { tempDir } from './temp.js';

export const FILE_SERVICE_TOKEN = 'file-service-token-7d1e';

export interface FileService extends Service {
  store: SqliteStore;
  /** A temp folder that holds the config file (and `data`, the data folder). */
  dir: string;
  /** store.workDir, outside `dir`. */
  workDir: string;
  /** Writes the config file: `apps:` and what follows (server, store and engine keys come first). */
  write(apps: string): void;
  api: Api;
}

/**
 * A real slipway instance (HTTP on a free port, SQLite) whose config is a file it reads again
 * on reload, closed after the test. The resync runs every second.
 */
export async function startFileService(t: TestContext, apps: string): Promise<FileService> {
  const dir = tempDir(t);
  const workDir = tempDir(t, 'slipway-work-');
  const file = join(dir, 'slipway.yaml');
  const write = (text: string) =>
    writeFileSync(file, `server: { apiToken: ${FILE_SERVICE_TOKEN} }\nengine: { resyncInterval: 1s }\nstore: { dataDir: data, workDir: ${workDir} }\n${text}`);
  write(apps);
  const read = () => loadConfig({ file, env: {}, cwd: dir });
  const { config } = await read();
  const store = await SqliteStore.open(config.store.dataDir);
  const service = await startService({
    config,
    store,
    log: createLogger({ level: 'silent', pretty: false }),
    secrets: [SECRET],
    apiToken: FILE_SERVICE_TOKEN,
    port: 0,
    host: '127.0.0.1',
    readConfig: read,
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  t.after(async () => {
    await service.close(2000);
    await store.close();
  });
  return { ...service, store, dir, workDir, write, api: (method, path, body) => callApi(service.url, FILE_SERVICE_TOKEN, method, path, body) };
}
