import type { Notification } from '../store/notifications.js';
import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect, segment } from './client.js';
import { formatTable } from './table.js';
import { print, printBlock, printJson } from './output.js';

const HELP = `usage: slipway notifications [ID] [--state S] [--receiver NAME] [--limit N] [--before ID]
                             [--url URL] [--json] [--config FILE]
       slipway notifications resend ID [--url URL] [--config FILE]

Lists the notifications sent to the configured receivers (notifications: in the config),
newest first (GET /api/notifications), with each one's last answer from its receiver; with
ID shows one. "resend ID" tries a failed one again now, with the same delivery id
(POST /api/notifications/ID/resend).

  --state S        only pending, delivered or failed (failed for good: refused, or 24 h of tries)
  --receiver NAME  only those of this receiver
  --limit N        how many (default 50, at most 500)
  --before ID      the page after the one that printed "more: --before ID"
  --json           print the API's JSON instead of a table
${CLIENT_HELP}`;

/** The receiver's last answer: what came of the last try (its status, or why it failed), and an excerpt of what it said. */
function lastAnswer(n: Notification): string {
  const status = n.lastStatus === null ? null : `answered ${n.lastStatus}`;
  const outcome = n.state === 'delivered' ? status : (n.lastError ?? status);
  const said = n.lastAnswer === null || n.lastAnswer === '' ? null : `"${n.lastAnswer}"`;
  return [outcome, said].filter((part) => part !== null).join(': ');
}

export const notifications: Command = {
  summary: 'list notifications sent to receivers, or resend one',
  async run(argv) {
    const { values, positionals } = parse(
      'notifications',
      argv,
      { ...CLIENT_OPTIONS, state: { type: 'string' }, receiver: { type: 'string' }, limit: { type: 'string' }, before: { type: 'string' }, json: { type: 'boolean' } },
      true,
    );
    if (values.help) return printBlock(HELP), 0;
    const [first, second, ...rest] = positionals;
    if (first === 'resend') {
      if (second === undefined || rest.length > 0) throw new UsageError('expected one notification ID: slipway notifications resend ID\nrun "slipway notifications --help" for usage');
      const client = await connect(values);
      await client.post(`/api/notifications/${segment(second)}/resend`);
      print(`notification ${second}: sent again now, with the same delivery id; see how it goes with: slipway notifications ${second}`);
      return 0;
    }
    if (second !== undefined) throw new UsageError('expected at most one notification ID\nrun "slipway notifications --help" for usage');
    const client = await connect(values);
    if (first !== undefined) {
      printJson(await client.get(`/api/notifications/${segment(first)}`));
      return 0;
    }
    const { state, receiver, limit, before } = values;
    const page = (await client.get('/api/notifications', { state, receiver, limit, before })) as { notifications: Notification[]; next: string | null };
    if (values.json) {
      printJson(page);
      return 0;
    }
    print(
      ...formatTable(
        ['QUEUED', 'ID', 'RECEIVER', 'EVENT', 'ENVIRONMENT', 'STATE', 'TRIES', 'LAST ANSWER'],
        page.notifications.map((n) => [
          new Date(n.createdAt).toISOString(),
          n.id,
          n.receiver,
          n.event,
          `${n.app}/${n.environment}`,
          n.state,
          String(n.attempts),
          lastAnswer(n),
        ]),
        100,
      ),
    );
    if (page.next !== null) print(`more: --before ${page.next}`);
    return 0;
  },
};
