import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Deployment, Environment } from '../../src/domain/environments.js';
import { startServer, type RunningServer } from '../helpers/cli.js';
import { Origin } from '../helpers/git.js';
import { testDatabase, type TestDatabase } from '../helpers/postgres.js';
import { Hooks } from '../helpers/process-app.js';
import { tempDir } from '../helpers/temp.js';
import { eventually } from '../helpers/webhook.js';

// Several `slipway serve` processes (replicas), each with a data and work folder of its own,
// sharing one PostgreSQL database (a fresh one on the test server). The app's command target
// runs a real deploy command that writes its start and end to a journal, with the home folder
// slipway gave it, which names the replica that ran it. A file `hold-<env>` keeps a deploy
// command of that environment running until the test removes it.

const SECRET = 'replicas-secret';
const TOKEN = 'replicas-token-41c9';

interface Run {
  kind: 'start' | 'end';
  env: string;
  sha: string;
  deployment: number;
  replica: string;
  at: number;
}

interface Cluster {
  db: TestDatabase;
  origin: Origin;
  hooks: Hooks;
  replicas: (RunningServer & { name: string })[];
  /** The deploy commands' own records, in the order written. */
  runs(): Run[];
  hold(env: string): void;
  release(env: string): void;
  /** What the store says of web/`name`, read from the database (any replica may be down). */
  environment(name: string): Promise<Pick<Environment, 'state' | 'observedSha' | 'generation' | 'observedGeneration'> | null>;
  deployments(env: string): Promise<Deployment[]>;
}

async function cluster(t: TestContext, count: number): Promise<Cluster> {
  const db = await testDatabase(t);
  const dir = tempDir(t);
  const origin = new Origin(join(dir, 'origin'));
  origin.commit('main', 'v0');
  const journal = join(dir, 'journal');
  // The commands may run as nobody (slipway as root): anyone may write the journal.
  writeFileSync(journal, '', { mode: 0o666 });
  chmodSync(journal, 0o666);
  const line = (kind: string) => `echo "${kind} $SLIPWAY_ENV $SLIPWAY_SHA $SLIPWAY_DEPLOYMENT_ID $HOME $(date +%s%3N)" >> ${journal}`;
  // A deployment a newer head supersedes is cancelled: its command is stopped with SIGTERM, and
  // records its end then too (its lease ends only after it stopped).
  const script = `stopped() { ${line('end')}; exit 143; }; trap stopped TERM; ${line('start')}; while [ -e ${dir}/hold-$SLIPWAY_ENV ]; do sleep 0.1; done; sleep 0.3; ${line('end')}`;
  const replicas: Cluster['replicas'] = [];
  /** Each replica's work folder (outside its config's folder), where its commands get their home. */
  const workDirs = new Map<string, string>();
  for (let index = 1; index <= count; index += 1) {
    const name = `r${index}`;
    const home = join(dir, name);
    mkdirSync(home);
    workDirs.set(name, tempDir(t, 'slipway-work-'));
    writeFileSync(join(home, 'slipway.yaml'), `server: { apiToken: ${TOKEN} }
store: { dataDir: ${join(home, 'data')}, workDir: ${workDirs.get(name)}, url: "${db.url}" }
engine: { lease: 5s }
apps:
  - name: web
    repo: acme/web
    url: ${origin.url}
    target:
      type: command
      deploy: [sh, -c, '${script}']
    environments:
      - name: staging
        track: { branch: main }
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
`);
    const server = await startServer(t, ['--config', join(home, 'slipway.yaml')], { env: { SLIPWAY_WEBHOOK_SECRET: SECRET, SLIPWAY_API_TOKEN: TOKEN } });
    replicas.push({ ...server, name });
  }
  let next = 0;
  // Round-robin over the replicas still running.
  const url = () => {
    const live = replicas.filter((replica) => replica.child.exitCode === null && replica.child.signalCode === null);
    next += 1;
    return live[next % live.length]?.url ?? '';
  };
  const replicaOf = (home: string) => [...workDirs].find(([, work]) => home.startsWith(`${work}/`))?.[0] ?? home;
  return {
    db,
    origin,
    hooks: new Hooks(origin, url, SECRET),
    replicas,
    runs: () =>
      readFileSync(journal, 'utf8').split('\n').filter((text) => text !== '').map((text) => {
        const [kind, env, sha, deployment, home, at] = text.split(' ');
        return { kind: kind as Run['kind'], env: env ?? '', sha: sha ?? '', deployment: Number(deployment), replica: replicaOf(home ?? ''), at: Number(at) };
      }),
    hold: (env) => writeFileSync(join(dir, `hold-${env}`), ''),
    release: (env) => rmSync(join(dir, `hold-${env}`), { force: true }),
    environment: async (name) => {
      const [row] = await db.query<{ state: Environment['state']; observedSha: string | null; generation: string; observedGeneration: string }>(`SELECT state,
          observed_sha AS "observedSha", generation, observed_generation AS "observedGeneration" FROM environments WHERE app = 'web' AND name = $1`, [name]);
      return row === undefined ? null : { ...row, generation: Number(row.generation), observedGeneration: Number(row.observedGeneration) };
    },
    deployments: async (env) => {
      const rows = await db.query<Deployment>(`SELECT d.id, d.state, d.sha, d.error FROM deployments d
        JOIN environments e ON e.id = d.environment_id WHERE e.app = 'web' AND e.name = $1 ORDER BY d.id`, [env]);
      return rows.map((row) => ({ ...row, id: Number(row.id) }));
    },
  };
}

/** Pairs each deploy command's start with its end; a start with no end yet ends at Infinity. */
function intervals(runs: Run[]): Map<string, { from: number; to: number; deployment: number; replica: string }[]> {
  const byEnv = new Map<string, { from: number; to: number; deployment: number; replica: string }[]>();
  for (const run of runs.filter((r) => r.kind === 'start')) {
    const end = runs.find((r) => r.kind === 'end' && r.deployment === run.deployment && r.replica === run.replica);
    const list = byEnv.get(run.env) ?? [];
    list.push({ from: run.at, to: end?.at ?? Infinity, deployment: run.deployment, replica: run.replica });
    byEnv.set(run.env, list);
  }
  return byEnv;
}

test('three replicas on one PostgreSQL, webhooks round-robin: each delivery applied once, every environment converges, never two deployments of one at once', { timeout: 180_000 }, async (t) => {
  const { hooks, origin, replicas, runs, environment, db } = await cluster(t, 3);
  const heads = new Map<string, string>();
  let sent = 0;
  for (let round = 1; round <= 3; round += 1) {
    const staging = origin.commit('main', `main ${round}`);
    heads.set('staging', staging);
    await hooks.push('main', staging);
    sent += 1;
    for (let pr = 1; pr <= 4; pr += 1) {
      const head = origin.commit(`feature-${pr}`, `pr ${pr} round ${round}`);
      heads.set(`pr-${pr}`, head);
      await hooks.pullRequest(round === 1 ? 'opened' : 'synchronize', pr, `feature-${pr}`, head);
      sent += 1;
    }
  }

  for (const [env, sha] of heads) {
    await eventually(async () => {
      const found = await environment(env);
      return found?.state === 'ready' && found.observedSha === sha && found.observedGeneration === found.generation ? true : undefined;
    }, 90_000).catch((error: Error) => assert.fail(`${env} did not converge to ${sha}: ${error.message}; runs ${JSON.stringify(runs().filter((r) => r.env === env))}`));
  }
  const deliveries = await db.query<{ status: string; count: string }>(`SELECT status, count(*) AS count FROM deliveries GROUP BY status`);
  assert.deepEqual(deliveries.map((row) => [row.status, Number(row.count)]), [['processed', sent]], 'every delivery was applied, once each (a second apply would find it processed)');
  const seen = await db.query<{ id: string }>('SELECT id FROM deliveries');
  assert.equal(new Set(seen.map((row) => row.id)).size, sent);

  for (const [env, list] of intervals(runs())) {
    const sorted = [...list].sort((a, b) => a.from - b.from);
    for (let index = 1; index < sorted.length; index += 1) {
      const [before, after] = [sorted[index - 1], sorted[index]];
      assert.ok(before && after && before.to <= after.from, `${env}: deployment ${after?.deployment} (${after?.replica}) started before ${before?.deployment} (${before?.replica}) ended`);
    }
  }
  const workers = new Set(runs().map((run) => run.replica));
  t.diagnostic(`deploy commands ran on ${[...workers].sort().join(', ')}; ${runs().length / 2} deployments for ${sent} deliveries`);
  assert.ok(replicas.every((replica) => replica.child.exitCode === null), 'every replica still runs');
});

test('a replica SIGKILLed mid-deployment: another takes its lease once it expires and deploys the environment', { timeout: 120_000 }, async (t) => {
  const { hooks, origin, replicas, runs, hold, release, environment, deployments } = await cluster(t, 2);
  hold('staging');
  const head = origin.commit('main', 'v1');
  await hooks.push('main', head);
  const started = await eventually(async () => runs().find((run) => run.kind === 'start' && run.env === 'staging'), 30_000);
  const victim = replicas.find((replica) => replica.name === started.replica);
  assert.ok(victim !== undefined, `the deploy command ran on a replica: ${started.replica}`);
  victim.child.kill('SIGKILL');
  await victim.exited;
  // The command the killed replica started ends on its own; the environment is another replica's to finish.
  release('staging');
  const ready = await eventually(async () => {
    const env = await environment('staging');
    return env?.state === 'ready' && env.observedSha === head ? env : undefined;
  }, 60_000);
  assert.equal(ready.observedSha, head);
  const survivor = replicas.find((replica) => replica !== victim)?.name;
  assert.ok(runs().some((run) => run.kind === 'end' && run.env === 'staging' && run.replica === survivor), `${survivor} deployed it: ${JSON.stringify(runs())}`);
  const list = await deployments('staging');
  assert.equal(list.find((d) => d.id === started.deployment)?.state, 'error', 'the interrupted deployment is marked error');
  assert.equal(list.at(-1)?.state, 'success');
});

test('a replica paused past its lease cannot write its late result: the fencing token rejects it', { timeout: 120_000 }, async (t) => {
  const { hooks, origin, replicas, runs, hold, release, environment, deployments } = await cluster(t, 2);
  hold('staging');
  const head = origin.commit('main', 'v1');
  await hooks.push('main', head);
  const started = await eventually(async () => runs().find((run) => run.kind === 'start' && run.env === 'staging'), 30_000);
  const paused = replicas.find((replica) => replica.name === started.replica);
  assert.ok(paused !== undefined);
  paused.child.kill('SIGSTOP');
  t.after(() => paused.child.kill('SIGCONT'));
  // Its command finishes while it is paused; the other replica takes the lease after 5 s and deploys again.
  release('staging');
  const other = replicas.find((replica) => replica !== paused)?.name;
  await eventually(async () => (runs().some((run) => run.kind === 'end' && run.replica === other) ? true : undefined), 60_000);
  await eventually(async () => ((await deployments('staging')).at(-1)?.state === 'success' ? true : undefined), 30_000);
  const before = await deployments('staging');
  paused.child.kill('SIGCONT');
  // Long enough for the resumed replica to try its writes (its lease renewal and the deployment's end).
  await new Promise((resolve) => setTimeout(resolve, 4000));
  const after = await deployments('staging');
  assert.deepEqual(after, before, 'nothing the paused replica did was written after it resumed');
  assert.equal(after.find((d) => d.id === started.deployment)?.state, 'error');
  const env = await environment('staging');
  assert.deepEqual([env?.state, env?.observedSha], ['ready', head]);
  assert.equal(paused.child.exitCode, null, 'the paused replica runs on');
});
