import { join } from 'node:path';
import type { CommandTargetConfig } from '../../src/config/schema.js';
import type { AppRuntime } from '../../src/engine/ports.js';
import { Reconciler } from '../../src/engine/reconciler.js';
import { createLogger } from '../../src/logger.js';
import { GitSource } from '../../src/source/git-source.js';
import type { Store } from '../../src/store/store.js';
import { CommandTarget } from '../../src/targets/command/command-target.js';
import { Workspace } from '../../src/targets/workspace.js';

/**
 * A reconciler on `store` for one app, `webapp` of acme/webapp at `remoteUrl`, on the command
 * target running `deploy` (state and work folders under `dir`).
 */
export function commandReconciler(dir: string, store: Store, remoteUrl: string, deploy: string, timing: { leaseMs?: number; pollMs: number }): Reconciler {
  const settings: CommandTargetConfig = { type: 'command', deploy: ['sh', '-c', deploy], destroy: ['true'], timeoutMs: 120_000 };
  const target = new CommandTarget(
    settings,
    { app: 'webapp', stateDir: join(dir, 'data', 'targets'), workspace: new Workspace({ workDir: join(dir, 'work'), dataDir: join(dir, 'data'), runAs: null }) },
  );
  const apps = new Map<string, AppRuntime>([['webapp', { name: 'webapp', repo: 'acme/webapp', remoteUrl, target, settings, vars: {}, secretVars: [], environments: [] }]]);
  return new Reconciler({
    store,
    source: new GitSource({ cacheDir: join(dir, 'git') }),
    apps,
    log: createLogger({ level: 'silent', pretty: false }),
    worktreeRoot: join(dir, 'worktrees'),
    artifactRoot: join(dir, 'artifacts'),
    concurrency: 2,
    ...timing,
  });
}
