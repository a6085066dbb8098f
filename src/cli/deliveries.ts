import { SlipwayError } from '../errors.js';
import type { DeliverySummary } from '../store/store.js';
import type { Command } from './main.js';
import { parse } from './args.js';
import { CONFIG_OPTION, loadCliConfig, localUrl } from './config-option.js';
import { formatTable } from './table.js';

const HELP = `usage: slipway deliveries [ID] [--event E] [--status S] [--limit N] [--before SEQ]
                          [--url URL] [--json] [--config FILE]

Lists the webhook deliveries the running server received, newest first (GET /api/deliveries),
or with ID shows one delivery and its payload. The API token, when the server has one, is
read from $SLIPWAY_API_TOKEN or server.apiToken in the config.

  --event E      only this event (push, pull_request, …)
  --status S     only pending, processed, ignored or failed
  --limit N      how many (default 50, at most 500)
  --before SEQ   the page after the one that printed "more: --before SEQ"
  --url URL      the server (default http://127.0.0.1:<server.port>)
  --json         print the API's JSON instead of a table`;

export const deliveries: Command = {
  summary: 'list webhook deliveries',
  async run(argv) {
    const { values, positionals } = parse(
      'deliveries',
      argv,
      {
        ...CONFIG_OPTION,
        event: { type: 'string' },
        status: { type: 'string' },
        limit: { type: 'string' },
        before: { type: 'string' },
        url: { type: 'string' },
        json: { type: 'boolean' },
      },
      true,
    );
    if (values.help) return console.log(HELP), 0;
    const loaded = await loadCliConfig(values.config);
    const base = values.url ?? localUrl(loaded);
    const token = process.env.SLIPWAY_API_TOKEN || loaded.config.server.apiToken;
    const id = positionals[0];
    const url = new URL(id === undefined ? '/api/deliveries' : `/api/deliveries/${encodeURIComponent(id)}`, base);
    for (const key of ['event', 'status', 'limit', 'before'] as const) {
      const value = values[key];
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const body = await getJson(url, token);
    if (values.json || id !== undefined) {
      console.log(JSON.stringify(body, null, 2));
      return 0;
    }
    const page = body as { deliveries: DeliverySummary[]; next: string | null };
    console.log(
      formatTable(
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
    if (page.next !== null) console.log(`more: --before ${page.next}`);
    return 0;
  },
};

async function getJson(url: URL, token: string | undefined): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new SlipwayError('unreachable', `cannot reach slipway at ${url.origin} (${(error as Error).cause ?? (error as Error).message}); is "slipway serve" running?`);
  }
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!response.ok) {
    throw new SlipwayError('api_error', `${url.pathname}: ${response.status} ${body?.error?.message ?? response.statusText}`);
  }
  return body;
}
