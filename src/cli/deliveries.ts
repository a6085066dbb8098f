import type { DeliverySummary } from '../store/store.js';
import type { Command } from './command.js';
import { parse } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect, segment } from './client.js';
import { formatTable } from './table.js';
import { print, printBlock, printJson } from './output.js';

const HELP = `usage: slipway deliveries [ID] [--event E] [--repo OWNER/NAME] [--status S] [--limit N]
                          [--before SEQ] [--url URL] [--json] [--config FILE]

Lists the webhook deliveries the running server received, newest first (GET /api/deliveries),
or with ID shows one delivery and its payload.

  --event E      only this event (push, pull_request, …)
  --repo R       only deliveries of this repository (owner/name)
  --status S     only pending, processed, ignored or failed
  --limit N      how many (default 50, at most 500)
  --before SEQ   the page after the one that printed "more: --before SEQ"
  --json         print the API's JSON instead of a table
${CLIENT_HELP}`;

export const deliveries: Command = {
  summary: 'list webhook deliveries',
  async run(argv) {
    const { values, positionals } = parse(
      'deliveries',
      argv,
      {
        ...CLIENT_OPTIONS,
        event: { type: 'string' },
        repo: { type: 'string' },
        status: { type: 'string' },
        limit: { type: 'string' },
        before: { type: 'string' },
        json: { type: 'boolean' },
      },
      true,
    );
    if (values.help) return printBlock(HELP), 0;
    const client = await connect(values);
    const id = positionals[0];
    const { event, repo, status, limit, before } = values;
    const body = id === undefined
      ? await client.get('/api/deliveries', { event, repo, status, limit, before })
      : await client.get(`/api/deliveries/${segment(id)}`);
    if (values.json || id !== undefined) {
      printJson(body);
      return 0;
    }
    const page = body as { deliveries: DeliverySummary[]; next: string | null };
    print(
      ...formatTable(
        ['RECEIVED', 'ID', 'EVENT', 'ACTION', 'REPOSITORY', 'STATUS', 'ERROR'],
        page.deliveries.map((d) => [
          new Date(d.receivedAt).toISOString(),
          d.id,
          d.event,
          d.action ?? '',
          d.repository ?? '',
          d.status,
          d.error ?? '',
        ]),
      ),
    );
    if (page.next !== null) print(`more: --before ${page.next}`);
    return 0;
  },
};
