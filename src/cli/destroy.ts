import type { Command } from './command.js';
import { parse } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect, segment } from './client.js';
import { appAndEnv } from './env.js';
import { print, printBlock } from './output.js';

const HELP = `usage: slipway destroy APP ENV [--url URL] [--config FILE]

Asks the running server to destroy an environment (POST /api/environments/APP/ENV/destroy):
its target's destroy runs and the environment is kept as history ("slipway envs --all").
A webhook or "slipway deploy" can bring it back.
${CLIENT_HELP}`;

export const destroy: Command = {
  summary: 'destroy an environment',
  async run(argv) {
    const { values, positionals } = parse('destroy', argv, CLIENT_OPTIONS, true);
    if (values.help) return printBlock(HELP), 0;
    const [app, name] = appAndEnv('destroy', positionals);
    const client = await connect(values);
    await client.post(`/api/environments/${segment(app)}/${segment(name)}/destroy`);
    print(`${app}/${name}: accepted, it will be destroyed; watch it with: slipway env ${app} ${name}`);
    return 0;
  },
};
