import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Origin } from './git.js';
import { startTestService, type TestService, type TestServiceOptions } from './service.js';
import { tempDir } from './temp.js';
import { eventually } from './webhook.js';

// An app `webapp` of acme/webapp (the repository of test/fixtures/payloads/) whose remote is a
// real git repository in a temp folder, deployed by a command target that writes a journal.

export type Payload = Record<string, unknown> & { pull_request: Record<string, unknown> & { head: Record<string, unknown> } };
export const fixture = (name: string) => JSON.parse(readFileSync(`test/fixtures/payloads/${name}.json`, 'utf8')) as Payload;

const ENVIRONMENTS = `
      - name: staging
        track: { branch: main }
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
      - name: br-{branch}
        track: { branches: ["feature/**"] }`;

/**
 * `environments` replaces the app's environments (YAML list items indented by six spaces);
 * `top` adds top-level config (github:, artifacts:); `deploy` replaces the deploy command (given
 * the journal's path, which `lines()` reads); `targetUrl` is the target's url template; `service`
 * passes options to the test service (its log, notification timing).
 */
export async function setup(
  t: TestContext,
  options: { url?: string; environments?: string; top?: string; deploy?: (journal: string) => string[]; targetUrl?: string; service?: Omit<TestServiceOptions, 'yaml' | 'dataDir'> } = {},
) {
  const root = tempDir(t);
  const origin = new Origin(join(root, 'origin'));
  const journal = join(root, 'deploys.log');
  const record = (verb: string) => JSON.stringify(['sh', '-c', `echo "${verb} $SLIPWAY_ENV $SLIPWAY_SHA $SLIPWAY_REF $(cat version.txt 2>/dev/null)" >> ${journal}`]);
  const deploy = options.deploy === undefined ? record('deploy') : JSON.stringify(options.deploy(journal));
  const yaml = `${options.top ?? ''}
apps:
  - name: webapp
    repo: acme/webapp
    url: ${options.url ?? origin.url}
    target: { type: command, deploy: ${deploy}, destroy: ${record('destroy')}, timeout: 30s${options.targetUrl === undefined ? '' : `, url: "${options.targetUrl}"`} }
    environments:${options.environments ?? ENVIRONMENTS}
`;
  const service = await startTestService(t, { ...options.service, yaml, dataDir: join(root, 'data') });
  const lines = () => (existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n') : []);
  return { origin, service, lines, root, journal, yaml };
}

export async function envState(service: TestService, name: string, state: string) {
  return eventually(async () => {
    const env = await service.store.getEnvironment('webapp', name);
    return env !== null && env.state === state && env.generation === env.observedGeneration ? env : undefined;
  }, 20_000);
}

