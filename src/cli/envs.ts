import type { EnvironmentSummary } from '../http/environment-view.js';
import type { Command } from './command.js';
import { parse } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect } from './client.js';
import { shortSha, text, time } from './format.js';
import { formatTable } from './table.js';
import { print, printBlock, printJson } from './output.js';

const HELP = `usage: slipway envs [--all] [--url URL] [--json] [--config FILE]

Lists the environments of the running server by app and name (GET /api/environments): their
state, the sha that runs, URL, pull request, branch and last change.

  --all          include destroyed environments
  --json         print the API's JSON instead of a table
${CLIENT_HELP}`;

export const envs: Command = {
  summary: 'list environments',
  async run(argv) {
    const { values } = parse('envs', argv, { ...CLIENT_OPTIONS, all: { type: 'boolean' }, json: { type: 'boolean' } });
    if (values.help) return printBlock(HELP), 0;
    const client = await connect(values);
    const body = await client.get('/api/environments', { all: values.all ? '1' : undefined });
    if (values.json) return printJson(body), 0;
    const { environments } = body as { environments: EnvironmentSummary[] };
    if (environments.length === 0) {
      print('no environments yet: webhooks create them, or "slipway deploy APP ENV --ref REF"');
      return 0;
    }
    print(
      ...formatTable(
        ['APP', 'ENV', 'STATE', 'SHA', 'URL', 'PR', 'BRANCH', 'UPDATED'],
        environments.map((env) => [
          env.app,
          env.name,
          env.state,
          shortSha(env.sha),
          text(env.url),
          env.pr === null ? '-' : `#${env.pr}`,
          text(env.branch),
          time(env.updatedAt),
        ]),
        64,
      ),
    );
    return 0;
  },
};
