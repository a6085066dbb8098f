import type { ReloadOutcome } from '../config/changes.js';
import { ConfigError, formatProblem, type ConfigProblem } from '../config/errors.js';
import { SlipwayError } from '../errors.js';
import type { Command } from './command.js';
import { parse } from './args.js';
import { ApiError, CLIENT_HELP, CLIENT_OPTIONS, connect } from './client.js';
import { loadCliConfig } from './config-option.js';
import { print, printBlock, visible } from './output.js';

const HELP = `usage: slipway reload [--url URL] [--config FILE]

Asks the running server to read its config file again and put it in force (POST /api/reload),
as SIGHUP does. Apps and environments are added and changed; environments whose variables or
target settings changed are redeployed one after another, the others keep running. What a
running server cannot change (listeners, the store, GitHub credentials, a removed app) is
listed as needing a restart and left as it is. A bad config is refused with every problem and
nothing changes: the command exits 1.
${CLIENT_HELP}`;

export const reload: Command = {
  summary: 'make the running server read its config again',
  async run(argv) {
    const { values } = parse('reload', argv, CLIENT_OPTIONS);
    if (values.help) return printBlock(HELP), 0;
    // A config with problems elsewhere still says where the server is: the server lists them all.
    const loaded = await loadCliConfig(values.config).catch(async (error: unknown) => {
      if (!(error instanceof ConfigError)) throw error;
      return loadCliConfig(values.config, ['server', 'store']).catch(() => Promise.reject(error));
    });
    const client = await connect(values, loaded);
    const outcome = (await client.post('/api/reload').catch((error: unknown) => Promise.reject(refused(error)))) as ReloadOutcome;
    printOutcome(outcome);
    return 0;
  },
};

/** The server refused the config: its problems, one per line. */
function refused(error: unknown): unknown {
  const problems = error instanceof ApiError ? problemsOf(error.answer) : null;
  if (problems === null) return error;
  const lines = problems.map((problem) => visible(formatProblem(problem)));
  return new SlipwayError('config_invalid', ['the server refused the config and keeps running with the one it has:', ...lines].join('\n'));
}

function problemsOf(answer: unknown): ConfigProblem[] | null {
  const problems = (answer as { error?: { problems?: unknown } } | null)?.error?.problems;
  if (!Array.isArray(problems)) return null;
  const valid = problems.every((p: Partial<ConfigProblem> | null) =>
    typeof p?.file === 'string' && typeof p.path === 'string' && typeof p.message === 'string' && (p.line === null || typeof p.line === 'number'));
  return valid ? (problems as ConfigProblem[]) : null;
}

function printOutcome(outcome: ReloadOutcome): void {
  const section = (title: string, items: string[]) => (items.length === 0 ? [] : [title, ...items.map((item) => `  ${item}`)]);
  const lines = [
    ...section('applied:', outcome.applied),
    ...section('redeploying, one after another:', outcome.redeploying),
    ...section('no longer followed (kept running as they are):', outcome.unfollowed),
    ...section('needs a restart (left as it is until then):', outcome.needsRestart),
  ];
  print(`${outcome.file ?? 'the default config'}: ${lines.length === 0 ? 'reloaded, nothing changed' : 'reloaded'}`, ...lines);
}
