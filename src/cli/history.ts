import type { Deployment } from '../domain/environments.js';
import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect, segment } from './client.js';
import { appAndEnv } from './env.js';
import { duration, failureLines, firstLine, shortSha, text, time } from './format.js';
import { formatTable } from './table.js';
import { print, printBlock, printJson } from './output.js';

const HELP = `usage: slipway history APP ENV [--limit N] [--json] [--url URL] [--config FILE]

Lists an environment's deployments, newest first (GET /api/environments/APP/ENV/deployments):
sha, what triggered it, its state, when it started and how long it took; under them, the
whole error of the newest one that failed (with the last lines of output it quotes).

  --limit N      how many (default 50, at most 1000)
  --json         print the API's JSON
${CLIENT_HELP}`;

export const history: Command = {
  summary: 'list the deployments of an environment',
  async run(argv) {
    const { values, positionals } = parse('history', argv, { ...CLIENT_OPTIONS, limit: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (values.help) return printBlock(HELP), 0;
    const [app, name] = appAndEnv('history', positionals);
    if (values.limit !== undefined && !/^[1-9][0-9]{0,3}$/.test(values.limit)) {
      throw new UsageError('--limit must be a whole number from 1 to 1000');
    }
    const client = await connect(values);
    const body = (await client.get(`/api/environments/${segment(app)}/${segment(name)}/deployments`, { limit: values.limit })) as {
      deployments: Deployment[];
    };
    if (values.json) return printJson(body), 0;
    if (body.deployments.length === 0) return print(`${app}/${name} has no deployments yet`), 0;
    const rows = body.deployments.map((d) => [
      String(d.id),
      shortSha(d.sha),
      text(d.trigger),
      d.state,
      time(d.startedAt ?? d.createdAt),
      duration(d.startedAt ?? d.createdAt, d.finishedAt),
      text(d.githubDeploymentId),
      firstLine(d.error),
    ]);
    print(...formatTable(['ID', 'SHA', 'TRIGGER', 'STATE', 'STARTED', 'TOOK', 'GITHUB', 'ERROR'], rows), ...failureLines(app, name, body.deployments));
    return 0;
  },
};
