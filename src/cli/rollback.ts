import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect, segment } from './client.js';
import { appAndEnv } from './env.js';
import { commitSha } from '../http/deploy-request.js';
import { print, printBlock } from './output.js';

const HELP = `usage: slipway rollback APP ENV [--to SHA] [--url URL] [--config FILE]

Asks the running server to roll an environment back (POST /api/environments/APP/ENV/rollback):
to the last sha that deployed successfully before the one it runs, or to --to SHA. The
environment stays pinned there, and the sha it ran is quarantined, until
"slipway deploy APP ENV --follow" or a new event on its ref moves it on.

  --to SHA       the commit to go back to (40 hexadecimal characters)
${CLIENT_HELP}`;

export const rollback: Command = {
  summary: 'roll an environment back to its last good sha (or --to SHA)',
  async run(argv) {
    const { values, positionals } = parse('rollback', argv, { ...CLIENT_OPTIONS, to: { type: 'string' } }, true);
    if (values.help) return printBlock(HELP), 0;
    const [app, name] = appAndEnv('rollback', positionals);
    let to: string | undefined;
    if (values.to !== undefined) {
      try {
        to = commitSha(values.to);
      } catch {
        throw new UsageError('--to must be a full commit sha: 40 (or 64) hexadecimal characters');
      }
    }
    const client = await connect(values);
    const answer = (await client.post(`/api/environments/${segment(app)}/${segment(name)}/rollback`, to === undefined ? undefined : { to })) as {
      from: string | null;
      to: string;
    };
    print(`${app}/${name}: accepted, it goes back from ${answer.from ?? 'nothing'} to ${answer.to} and stays there until "slipway deploy ${app} ${name} --follow" or a new commit; watch it with: slipway history ${app} ${name}`);
    return 0;
  },
};
