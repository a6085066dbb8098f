// What the detached runner (src/targets/command/runner.ts) costs each deploy command: the
// command target runs `true` N times (through the runner, its output followed from a file)
// against the same `true` spawned directly, one at a time, side by side in this run.
// Usage: npm run build && node bench/command-runner/run.mjs [--runs 50]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 50) || 50;
const { CommandTarget } = await import(new URL('../../dist/targets/command/command-target.js', import.meta.url).href);
const { Workspace } = await import(new URL('../../dist/targets/workspace.js', import.meta.url).href);
const root = mkdtempSync(join(tmpdir(), 'slipway-bench-runner-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const workdir = join(root, 'worktree');
mkdirSync(workdir);
const workspace = new Workspace({ workDir: join(root, 'work'), dataDir: join(root, 'data'), runAs: null });
const target = new CommandTarget({ type: 'command', deploy: ['true'], timeoutMs: 60_000 }, { app: 'web', stateDir: join(root, 'data', 'state'), workspace });

async function timed(label, once) {
  await once(0); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 1; i <= runs; i += 1) await once(i);
  const ms = Number(process.hrtime.bigint() - started) / 1e6 / runs;
  console.log(`${label.padEnd(28)} ${ms.toFixed(1).padStart(7)} ms per run (${runs} runs)`);
  return ms;
}

const direct = await timed('spawn true (baseline)', () => new Promise((resolve, reject) => {
  const child = spawn('true', [], { stdio: 'ignore', detached: true });
  child.once('error', reject);
  child.once('exit', resolve);
}));
const viaRunner = await timed('command target, runner', (i) => target.apply({
  app: 'web', env: 'bench', sha: 'a'.repeat(40), ref: 'refs/heads/main', pr: null, branch: 'main', event: 'bench',
  deploymentId: i, workdir, vars: {}, log: () => {}, signal: new AbortController().signal,
}));
console.log(`ratio: ${(viaRunner / direct).toFixed(1)}x the baseline; ${(viaRunner - direct).toFixed(1)} ms more per deploy command`);
