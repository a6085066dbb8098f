import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';
import { webhookSecrets } from '../config/schema.js';
import { sign } from '../ingest/signature.js';
import { readSecretFile, SECRET_FILE } from '../ingest/secret.js';
import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CONFIG_OPTION, loadCliConfig, localUrl } from './config-option.js';
import { readPayloadFile } from './payload-file.js';
import { print, printBlock } from './output.js';

const HELP = `usage: slipway send --event E --payload FILE [--url URL] [--secret S] [--delivery ID]
                    [--form] [--config FILE]

Signs a payload with the webhook secret and POSTs it the way GitHub does (X-GitHub-Event,
X-GitHub-Delivery, X-Hub-Signature-256). Prints the answer; exits 0 on 2xx, 1 otherwise.

  --event E        the X-GitHub-Event (push, pull_request, …)
  --payload FILE   the JSON payload ("-" reads standard input)
  --url URL        where to send (default http://127.0.0.1:<server.port>/webhooks/github)
  --secret S       the secret (default: $SLIPWAY_WEBHOOK_SECRET, github.webhookSecret, or
                   the one slipway generated in its data folder)
  --delivery ID    the X-GitHub-Delivery id (default: a new UUID)
  --form           send as application/x-www-form-urlencoded (payload=…)`;

export const send: Command = {
  summary: 'sign and send a webhook payload',
  async run(argv) {
    const { values } = parse('send', argv, {
      ...CONFIG_OPTION,
      event: { type: 'string' },
      payload: { type: 'string' },
      url: { type: 'string' },
      secret: { type: 'string' },
      delivery: { type: 'string' },
      form: { type: 'boolean' },
    });
    if (values.help) return printBlock(HELP), 0;
    if (values.event === undefined) throw new UsageError('--event is required (for example --event push)');
    if (values.payload === undefined) throw new UsageError('--payload is required: a JSON file, or - for standard input');
    const { text: json } = await readPayloadFile(values.payload);
    const loaded = await loadCliConfig(values.config);
    const secret = values.secret ?? defaultSecret(loaded);
    const url = values.url ?? `${localUrl(loaded)}/webhooks/github`;
    const body = Buffer.from(values.form ? `payload=${encodeURIComponent(json)}` : json);
    const delivery = values.delivery ?? randomUUID();
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': values.form ? 'application/x-www-form-urlencoded' : 'application/json',
          'user-agent': 'GitHub-Hookshot/slipway-send',
          'x-github-event': values.event,
          'x-github-delivery': delivery,
          'x-hub-signature-256': sign(secret, body),
        },
      });
    } catch (error) {
      throw new SlipwayError('unreachable', `cannot reach ${url}: ${String((error as Error).cause ?? (error as Error).message)}`);
    }
    print(`${response.status} ${response.statusText} delivery ${delivery}`, await response.text());
    return response.ok ? 0 : 1;
  },
};

function defaultSecret(loaded: Awaited<ReturnType<typeof loadCliConfig>>): string {
  const [configured] = webhookSecrets(loaded.config, process.env);
  if (configured !== undefined) return configured;
  const file = join(loaded.config.store.dataDir, SECRET_FILE);
  const generated = readSecretFile(file);
  if (generated === undefined) {
    throw new UsageError(`no webhook secret: pass --secret, set SLIPWAY_WEBHOOK_SECRET, or start "slipway serve" once to generate ${file}`);
  }
  return generated;
}
