import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect, segment } from './client.js';
import { print, printBlock } from './output.js';

const HELP = `usage: slipway replay DELIVERY_ID [--url URL] [--config FILE]

Dispatches a webhook delivery the server already handled again (POST
/api/deliveries/DELIVERY_ID/replay), as if it had just arrived: after a config change, or to
retry one that failed. "slipway deliveries" lists the ids.
${CLIENT_HELP}`;

export const replay: Command = {
  summary: 'dispatch a delivery again',
  async run(argv) {
    const { values, positionals } = parse('replay', argv, CLIENT_OPTIONS, true);
    if (values.help) return printBlock(HELP), 0;
    const [id, ...rest] = positionals;
    if (id === undefined || rest.length > 0) {
      throw new UsageError('expected one DELIVERY_ID, e.g. slipway replay 72d3162e-cc78-11e3-81ab-4c9367dc0958\nrun "slipway replay --help" for usage');
    }
    const client = await connect(values);
    await client.post(`/api/deliveries/${segment(id)}/replay`);
    print(`delivery ${id}: queued to be dispatched again; see it with: slipway deliveries ${id}`);
    return 0;
  },
};
