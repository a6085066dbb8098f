import type { Config } from '../config/schema.js';
import { SlipwayError } from '../errors.js';
import type { DomainEvent } from '../events/domain.js';
import { normalize } from '../events/normalize.js';
import { describeIntent, describeSignal, explainEvent, matchedEnvironments, type Explanation } from '../policy/explain.js';
import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CLIENT_OPTIONS, connect } from './client.js';
import { loadCliConfig } from './config-option.js';
import { appAndEnv } from './env.js';
import { explainGate, renderGate } from './explain-gate.js';
import { commitSha } from '../http/deploy-request.js';
import { readPayloadFile } from './payload-file.js';
import { formatTable } from './table.js';
import { print, printBlock, printJson, visible } from './output.js';

const HELP = `usage: slipway explain --event E --payload FILE [--config FILE] [--json]
       slipway explain APP ENV [--sha SHA] [--url URL] [--config FILE] [--json]

The first form is a dry run, with no server: reads the config, turns the payload into the
event slipway would see, and prints which apps and environments it matches, why each rule did
or did not match, and what slipway would do. Nothing is changed.

The second asks the running server which CI signals the gate of APP ENV requires for a commit
(--sha; default: the commit it deployed or waits on last), and which of them passed, are
pending, are missing or failed.

  --event E        the X-GitHub-Event (push, pull_request, release, …)
  --payload FILE   the JSON payload ("-" reads standard input), e.g. from "slipway deliveries ID"
  --config FILE    config file (default: $SLIPWAY_CONFIG, else ./slipway.yaml)
  --sha SHA        the commit whose gate to show (second form)
  --url URL        the server (second form; default http://127.0.0.1:<server.port>)
  --json           print the result as JSON`;

/** What `explain` found, as `--json` prints it. */
export type { Explanation } from '../policy/explain.js';

export const explain: Command = {
  summary: 'show what slipway would do with a webhook payload (dry run)',
  async run(argv) {
    const { values, positionals } = parse('explain', argv, {
      ...CLIENT_OPTIONS,
      event: { type: 'string' },
      payload: { type: 'string' },
      sha: { type: 'string' },
      json: { type: 'boolean' },
    }, true);
    if (values.help) return printBlock(HELP), 0;
    if (positionals.length > 0) {
      if (values.event !== undefined || values.payload !== undefined) {
        throw new UsageError('give either APP ENV (a gate, from the server) or --event and --payload (a dry run), not both');
      }
      const [app, name] = appAndEnv('explain', positionals);
      const sha = values.sha === undefined ? undefined : asSha(values.sha);
      const report = await explainGate(await connect(values), app, name, sha);
      if (values.json) printJson(report);
      else print(...renderGate(report));
      return 0;
    }
    if (values.sha !== undefined) throw new UsageError('--sha goes with APP ENV: slipway explain APP ENV --sha SHA');
    if (values.event === undefined) throw new UsageError('--event is required (for example --event push)');
    if (values.payload === undefined) throw new UsageError('--payload is required: a JSON file, or - for standard input');
    const { value: payload } = await readPayloadFile(values.payload);
    const loaded = await loadCliConfig(values.config);
    const explanation = explainPayload(values.event, payload, loaded.config, loaded.file);
    if (values.json) printJson(explanation);
    else print(...render(explanation));
    return 0;
  },
};

function asSha(text: string): string {
  try {
    return commitSha(text);
  } catch {
    throw new UsageError('--sha must be a full commit sha: 40 (or 64) hexadecimal characters');
  }
}

/** The payload as the event slipway would see, then what policy makes of it. */
function explainPayload(name: string, payload: unknown, config: Config, file: string | null): Explanation {
  let event: DomainEvent | null;
  try {
    event = normalize(name, payload);
  } catch (error) {
    throw new SlipwayError('payload_invalid', `the payload cannot be used: ${visible((error as Error).message)}`);
  }
  return explainEvent(name, event, config, file);
}

/** One line per element: cells and values are made visible when printed. */
function render(explanation: Explanation): string[] {
  const { event, action, repository, decisions, intents, signal, note } = explanation;
  const lines = [`${event}${action === null ? '' : `.${action}`}${repository === null ? '' : ` for ${repository}`}`, ''];
  if (signal !== null) lines.push(describeSignal(signal), '');
  if (decisions.length > 0) {
    const rows = decisions.map((d) => [d.app, d.environment, d.matched ? 'yes' : 'no', d.reason]);
    lines.push(...formatTable(['APP', 'ENVIRONMENT', 'MATCH', 'WHY'], rows, 400), '');
  }
  if (note !== null) lines.push(`${note}.`);
  if (intents.length === 0) {
    lines.push('Nothing matches: slipway would change no environment.');
    return lines;
  }
  lines.push(`Matches: ${matchedEnvironments(intents).join(', ')}`, '', 'slipway would:');
  for (const intent of intents) lines.push(`  ${describeIntent(intent)}`);
  return lines;
}
