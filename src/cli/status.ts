import type { Status } from '../status.js';
import { formatBytes } from '../targets/command/output.js';
import type { Command } from './command.js';
import { parse } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect } from './client.js';
import { duration, firstLine, text, time } from './format.js';
import { formatTable } from './table.js';
import { print, printBlock, printJson } from './output.js';

const HELP = `usage: slipway status [--url URL] [--json] [--config FILE]

Shows what grows while slipway runs (GET /api/status): the store on disk and its rows (the
inbox by status, environments, deployments and their logs), the git mirrors, the worktrees,
the release logs and the kept logs of destroyed environments; and the last run of each
background job (sweeps, retries, recovery) with how it ended; and the slipway replicas that
share the store (with PostgreSQL; with SQLite, this one). Folders are measured at most every
30 seconds.

  --json         print the API's JSON instead of tables
${CLIENT_HELP}`;

export const status: Command = {
  summary: 'show the sizes that grow and the background jobs\' last runs',
  async run(argv) {
    const { values } = parse('status', argv, { ...CLIENT_OPTIONS, json: { type: 'boolean' } });
    if (values.help) return printBlock(HELP), 0;
    const client = await connect(values);
    const body = await client.get('/api/status');
    if (values.json) return printJson(body), 0;
    print(...statusLines(body as Status));
    return 0;
  },
};

/** The sizes as one table, the jobs as another. */
export function statusLines(status: Status): string[] {
  const { store, mirrors, worktrees, logs } = status;
  const inbox = Object.entries(store.deliveries).map(([state, count]) => `${count} ${state}`).join(', ');
  const total = Object.values(store.deliveries).reduce((sum, count) => sum + count, 0);
  const sizes = formatTable(['WHAT', 'SIZE', 'ROWS/COUNT'], [
    ['store (on disk)', formatBytes(store.bytes), '-'],
    ['inbox', '-', `${total} (${inbox})`],
    ['environments', '-', String(store.environments)],
    ['deployments (their logs)', formatBytes(logs.deploymentBytes), String(store.deployments)],
    ['git mirrors', formatBytes(mirrors.bytes), String(mirrors.count)],
    ['worktrees', formatBytes(worktrees.bytes), String(worktrees.count)],
    ['release logs', formatBytes(logs.releaseBytes), '-'],
    ['kept logs (destroyed)', formatBytes(logs.keptBytes), '-'],
  ], 80);
  const jobs = status.jobs.length === 0
    ? ['no background job has run yet']
    : formatTable(['JOB', 'LAST RUN', 'TOOK', 'OUTCOME', 'COUNT', 'ERROR'], status.jobs.map((job) => [
      job.name,
      time(job.startedAt),
      duration(job.startedAt, job.finishedAt),
      job.outcome,
      text(job.count),
      firstLine(job.error),
    ]), 100);
  const replicas = formatTable(['REPLICA', 'HOST', 'PID', 'STARTED', 'LAST HEARTBEAT', 'PROCESS APPS'], status.replicas.map((replica) => [
    replica.id,
    replica.host,
    String(replica.pid),
    time(replica.startedAt),
    time(replica.heartbeatAt),
    text(replica.processApps.join(', ')),
  ]), 120);
  return [...sizes, `(folders measured ${time(status.diskMeasuredAt)})`, '', ...jobs, '', ...replicas];
}
