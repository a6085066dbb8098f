import type { Command } from './command.js';
import { parse, portValue } from './args.js';
import { printBlock } from './output.js';

const HELP = `usage: slipway demo [--port N] [--router-port N] [--dir DIR]

Watch slipway do its job: it makes a sample app in a local git repository, starts slipway on
it, and plays a story, each step changing the repository and sending slipway the webhook
GitHub would send: a push to main brings up staging, pull request #1 gets a preview that
follows its new commit and goes when it closes, and a release goes to production. Each step
prints what slipway did and the URL to open. slipway then keeps running until Ctrl-C.

  --port, -p N       slipway's port for webhooks and the API (default 8080; 0 picks a free one)
  --router-port N    the router's port: it serves each environment at
                     http://<env>.web.localhost:N/ (default 8081)
  --dir DIR          the demo's folder: repository, config and data (default .slipway/demo);
                     a previous demo there is replaced, any other non-empty folder is refused`;

export const demo: Command = {
  summary: 'watch slipway deploy a sample app, step by step',
  async run(argv) {
    const { values } = parse('demo', argv, {
      port: { type: 'string', short: 'p' },
      'router-port': { type: 'string' },
      dir: { type: 'string' },
    });
    if (values.help) return printBlock(HELP), 0;
    const port = portValue(values.port ?? '8080', '--port');
    const routerPort = portValue(values['router-port'] ?? '8081', '--router-port');
    const { runDemo } = await import('./run-demo.js');
    return runDemo({ dir: values.dir ?? '.slipway/demo', port, routerPort });
  },
};
