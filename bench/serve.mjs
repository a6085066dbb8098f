// `slipway serve` for the benchmarks: one or several replicas on one store, each with a config,
// data folder and work folder of its own, all on 127.0.0.1, every process tracked (procs.mjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startServer, stopServer, waitReady } from './ingest/procs.mjs';

export const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** Replica `index`'s data folder under `dir`: where its SQLite file lives, to seed or read it. */
export function dataDirOf(dir, index) {
  return join(dir, `r${index}`, 'data');
}

/**
 * Starts `count` replicas under `dir`: `store.url` is `storeUrl` (null: SQLite in each
 * replica's data folder, so only one replica makes sense), `config` is the rest of the YAML
 * (after the `store:` block), `env` is added to the environment. Resolves when every replica
 * answers `GET /readyz`, with [{ child, base, dataDir, workDir }].
 */
export async function startReplicas({ dir, count = 1, storeUrl = null, config = '', env = {}, cli = CLI }) {
  const replicas = [];
  for (let index = 0; index < count; index += 1) {
    const home = join(dir, `r${index}`);
    const dataDir = dataDirOf(dir, index);
    // The work folder lies outside the config's folder (slipway refuses one inside it).
    const workDir = join(dir, 'work', `r${index}`);
    mkdirSync(home, { recursive: true });
    const store = [`  dataDir: ${JSON.stringify(dataDir)}`, `  workDir: ${JSON.stringify(workDir)}`, ...(storeUrl === null ? [] : [`  url: ${JSON.stringify(storeUrl)}`])];
    // 0600: slipway warns about a config others can read (the apps' commands among them).
    writeFileSync(join(home, 'slipway.yaml'), `store:\n${store.join('\n')}\n${config}`, { mode: 0o600 });
    const port = await freePort();
    const child = startServer(process.execPath, [cli, 'serve', '--config', join(home, 'slipway.yaml'), '--host', '127.0.0.1', '--port', String(port)],
      { cwd: home, env: { SLIPWAY_STORE_URL: '', ...env } });
    replicas.push({ child, base: `http://127.0.0.1:${port}`, dataDir, workDir });
  }
  await Promise.all(replicas.map((replica) => waitReady(replica.child, `${replica.base}/readyz`)));
  return replicas;
}

/** Stops every replica (SIGTERM, SIGKILL after a grace period). */
export async function stopReplicas(replicas) {
  await Promise.all(replicas.map((replica) => stopServer(replica.child)));
}
