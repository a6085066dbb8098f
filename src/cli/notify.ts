import type { TestResult } from '../notify/notifier.js';
import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect, segment } from './client.js';
import { print, printBlock, printJson } from './output.js';

const HELP = `usage: slipway notify test NAME [--url URL] [--json] [--config FILE]

Has the running server send the receiver NAME (notifications: in the config) a sample
notification now, outside the outbox and marked as a test (event "test"), and prints how the
receiver answered: its status and the start of its answer. Exits 1 when it did not take it.

  --json         print the API's JSON instead
${CLIENT_HELP}`;

export const notify: Command = {
  summary: 'send a receiver a test notification',
  async run(argv) {
    const { values, positionals } = parse('notify', argv, { ...CLIENT_OPTIONS, json: { type: 'boolean' } }, true);
    if (values.help) return printBlock(HELP), 0;
    const [verb, name, ...rest] = positionals;
    if (verb !== 'test' || name === undefined || rest.length > 0) {
      throw new UsageError('expected: slipway notify test NAME\nrun "slipway notify --help" for usage');
    }
    const client = await connect(values);
    const result = (await client.post(`/api/receivers/${segment(name)}/test`)) as TestResult;
    if (values.json) printJson(result);
    else {
      const answer = result.answer === null || result.answer === '' ? '(no body)' : result.answer;
      const status = result.status === null ? 'no answer' : `answered ${result.status}`;
      print(
        `${result.receiver} (${result.format}): ${result.delivered ? 'took the test notification' : `did not take it: ${result.error ?? status}`}`,
        `  ${status}: ${answer}`,
        `  delivery id: ${result.id}`,
      );
    }
    return result.delivered ? 0 : 1;
  },
};
