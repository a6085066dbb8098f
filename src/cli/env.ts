import type { EnvironmentDetail } from '../http/environment-view.js';
import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect, segment } from './client.js';
import { duration, failureLines, firstLine, shortSha, text, time } from './format.js';
import { formatTable } from './table.js';
import { print, printBlock, printJson } from './output.js';

const HELP = `usage: slipway env APP ENV [--url URL] [--json] [--config FILE]

Shows one environment of the running server (GET /api/environments/APP/ENV): what it
follows, what runs and what built it (the manifest, the rule zero-config detection used, the
Dockerfile), whether it converged, and its recent deployments, newest first; under them, the
whole error of the newest one that failed (with the last lines of output it quotes).

  --json         print the API's JSON
${CLIENT_HELP}`;

export const env: Command = {
  summary: 'show one environment and its recent deployments',
  async run(argv) {
    const { values, positionals } = parse('env', argv, { ...CLIENT_OPTIONS, json: { type: 'boolean' } }, true);
    if (values.help) return printBlock(HELP), 0;
    const [app, name] = appAndEnv('env', positionals);
    const client = await connect(values);
    const body = await client.get(`/api/environments/${segment(app)}/${segment(name)}`);
    if (values.json) return printJson(body), 0;
    const detail = body as EnvironmentDetail;
    const fields: [string, string][] = [
      ['state', detail.state === 'sleeping' ? `sleeping since ${time(detail.sleptAt)} (the next request wakes it)` : detail.state],
      ['follows', detail.pinnedSha !== null ? `${detail.pinnedSha} (pinned${pinSource(detail)})` : text(detail.desiredRef)],
      ['sha', text(detail.sha)],
      ...(detail.builtBy === null ? [] : [['built by', detail.builtBy] as [string, string]]),
      ...(detail.quarantinedSha === null ? [] : [['quarantine', `${detail.quarantinedSha} (rolled back; skipped until a new commit)`] as [string, string]]),
      ...(detail.failedSha === null ? [] : [['retries', `sha ${shortSha(detail.failedSha)} failed; waiting for a new commit, a config change or \`slipway deploy\``] as [string, string]]),
      ['url', text(detail.url)],
      ...(detail.restarts === 0 ? [] : [['restarts', `${detail.restarts}${detail.lastExit === null ? '' : ` (last exit: ${detail.lastExit})`}`] as [string, string]]),
      ...(detail.wakes === 0 ? [] : [['wakes', String(detail.wakes)] as [string, string]]),
      ['last used', time(detail.usedAt)],
      ['pr', detail.pr === null ? '-' : `#${detail.pr}`],
      ['branch', text(detail.branch)],
      ['generation', `${detail.generation} (observed ${detail.observedGeneration}${detail.converged ? ', converged' : ', converging'})`],
      ['trigger', text(detail.lastTrigger)],
      ['created', time(detail.createdAt)],
      ['updated', time(detail.updatedAt)],
      ['expires', detail.keep ? 'never (kept)' : time(detail.expiresAt)],
      ['keep', detail.keep ? 'yes' : 'no'],
    ];
    print(`${detail.app}/${detail.name}`, ...fields.map(([key, value]) => `  ${key.padEnd(11)}${value}`), '');
    if (detail.deployments.length === 0) {
      print('no deployments yet');
      return 0;
    }
    print(
      ...formatTable(
        ['ID', 'STATE', 'SHA', 'REF', 'TRIGGER', 'STARTED', 'TOOK', 'ERROR'],
        detail.deployments.map((d) => [
          String(d.id),
          d.state,
          shortSha(d.sha),
          text(d.ref),
          text(d.trigger),
          time(d.startedAt ?? d.createdAt),
          duration(d.startedAt, d.finishedAt),
          firstLine(d.error),
        ]),
      ),
      ...failureLines(detail.app, detail.name, detail.deployments),
    );
    return 0;
  },
};

/** Where a pin came from, when not from a person: a GitHub deployment or a workflow run. */
function pinSource(detail: EnvironmentDetail): string {
  if (detail.githubDeploymentId !== null) return `, GitHub deployment ${detail.githubDeploymentId}`;
  if (detail.artifactRunId !== null) return `, artifact of workflow run ${detail.artifactRunId}`;
  return '';
}

/** The APP and ENV positionals of `env`, `deploy` and `destroy`. */
export function appAndEnv(command: string, positionals: string[]): [string, string] {
  const [app, name, ...rest] = positionals;
  if (app === undefined || name === undefined || rest.length > 0) {
    throw new UsageError(`expected APP and ENV, e.g. slipway ${command} webapp staging\nrun "slipway ${command} --help" for usage`);
  }
  return [app, name];
}
