import { SlipwayError } from '../errors.js';
import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect, segment } from './client.js';
import { appAndEnv } from './env.js';
import { LinePrinter, printBlock } from './output.js';

const HELP = `usage: slipway logs APP ENV [--follow] [--build | --deployment ID] [--lines N] [--url URL] [--config FILE]

Prints an environment's output from the running server (GET /api/environments/APP/ENV/logs).
By default: the last lines its running release wrote (stdout and stderr; the process
target's release log, the docker target's container output); for a destroyed environment,
those of its last release for a day after. With --build: a deployment's log instead (checkout,
build, start, and why it failed), as slipway keeps it.

  -f, --follow       go on printing new output as it comes, until Ctrl-C or until the release
                     ends (replaced by a new deployment, destroyed, or crashing for good);
                     with --build, until the deployment ends
  --build            the newest deployment's log
  --deployment ID    that deployment's log (implies --build; "slipway history" lists them)
  -n, --lines N      how many of the release's last lines first (default 100, 0 to 10000)

Control characters in the output (escape sequences, carriage returns, tabs) are shown as
escapes such as \\x1b; newlines end lines.
${CLIENT_HELP}`;

export const logs: Command = {
  summary: "print an environment's output, or a deployment's log",
  async run(argv) {
    const options = {
      ...CLIENT_OPTIONS,
      follow: { type: 'boolean', short: 'f' },
      build: { type: 'boolean' },
      deployment: { type: 'string' },
      lines: { type: 'string', short: 'n' },
    } as const;
    const { values, positionals } = parse('logs', argv, options, true);
    if (values.help) return printBlock(HELP), 0;
    const [app, name] = appAndEnv('logs', positionals);
    if (values.deployment !== undefined && !/^[1-9][0-9]{0,15}$/.test(values.deployment)) {
      throw new UsageError('--deployment must be a deployment id (a positive whole number); "slipway history APP ENV" lists them');
    }
    if (values.lines !== undefined && (!/^(0|[1-9][0-9]{0,4})$/.test(values.lines) || Number(values.lines) > 10_000)) {
      throw new UsageError('--lines must be a whole number from 0 to 10000');
    }
    const build = values.build === true || values.deployment !== undefined;
    if (build && values.lines !== undefined) throw new UsageError('--lines applies to a release\'s output; a deployment\'s log (--build) is printed whole');
    const client = await connect(values);
    const output = await client.stream(`/api/environments/${segment(app)}/${segment(name)}/logs`, {
      follow: values.follow ? '1' : undefined,
      build: build && values.deployment === undefined ? '1' : undefined,
      deployment: values.deployment,
      lines: values.lines,
    });
    const printer = new LinePrinter();
    try {
      for await (const bytes of output) printer.write(bytes);
    } catch (error) {
      printer.end();
      throw new SlipwayError('stream_broken', `the output from slipway broke off (${(error as Error).message}); run the command again`);
    }
    printer.end();
    return 0;
  },
};
