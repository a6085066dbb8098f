import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Environment } from '../../src/domain/environments.js';
import { signIn, type SignedIn } from './dashboard.js';
import { Origin } from './git.js';
import { startTestService, type TestService } from './service.js';
import { tempDir } from './temp.js';
import { eventually, send, type Answer } from './webhook.js';

/** An app variable marked secret: no page may show it. */
export const SECRET_VALUE = 'hunter2-dashboard-secret';

export interface DashboardApp {
  origin: Origin;
  service: TestService;
  browser: SignedIn;
  /** The environment once `check` holds for it (the engine converges it meanwhile). */
  until(env: string, check: (env: Environment) => boolean): Promise<Environment>;
  /** The page an action's redirect leads to, with the one-time message it left. */
  landing(answer: Answer): Promise<Answer>;
}

/**
 * A real slipway whose engine deploys the app `webapp` from a real git repository (main and the
 * tag v1 committed) with a command target: `staging` follows main, `qa` too once the check `build`
 * passed, `production` follows releases, `br-{branch}` feature branches, previews live an hour.
 * `top` is more config before `apps:`. Signed in.
 */
export async function dashboardApp(t: TestContext, top = ''): Promise<DashboardApp> {
  const root = tempDir(t);
  const origin = new Origin(join(root, 'origin'));
  origin.commit('main', 'v1');
  origin.git('tag', 'v1');
  const yaml = `${top}
apps:
  - name: webapp
    repo: acme/webapp
    url: ${origin.url}
    target: { type: command, deploy: [sh, -c, 'echo deployed'], destroy: [sh, -c, 'echo gone'], timeout: 30s }
    env:
      API_KEY: { value: ${SECRET_VALUE}, secret: true }
    environments:
      - { name: production, track: { release: {} } }
      - { name: staging, track: { branch: main } }
      - { name: qa, track: { branch: main }, gate: { checks: [build] } }
      - { name: 'br-{branch}', track: { branches: ['feature/**'] } }
      - { name: 'pr-{number}', track: { pullRequests: {} }, ttl: 1h }
  - name: docs
    repo: acme/docs
`;
  const service = await startTestService(t, { yaml, dataDir: join(root, 'data') });
  const browser = await signIn(service);
  return {
    origin,
    service,
    browser,
    until: async (name, check) => {
      let last: Environment | null = null;
      return eventually(async () => {
        last = await service.store.getEnvironment('webapp', name);
        return last !== null && check(last) ? last : undefined;
      }, 20_000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}: webapp/${name} is ${JSON.stringify(last)}`);
      });
    },
    async landing(answer) {
      assert.equal(answer.status, 303, answer.body);
      const location = String(answer.headers.location);
      const flash = ([] as string[]).concat(answer.headers['set-cookie'] ?? []).map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith('slipway_flash='));
      return send(`${service.url}${location}`, { method: 'GET', headers: { cookie: [browser.cookie, flash].filter(Boolean).join('; ') } });
    },
  };
}
