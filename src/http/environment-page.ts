import type { Config } from '../config/schema.js';
import type { EnvironmentStore, SignalStore } from '../store/store.js';
import { environmentPage, type GateView } from '../ui/environment-page.js';
import { environmentPath, RepoLinks } from '../ui/links.js';
import { actionRoute, pageRoute, type ActionOutcome, type DashboardAccess } from './dashboard.js';
import { parseDeployTarget } from './deploy-request.js';
import {
  deployEnvironment,
  destroyEnvironment,
  extendEnvironment,
  rollbackCandidates,
  rollbackEnvironment,
  type EnvironmentActions,
} from './environment-actions.js';
import { findEnvironment } from './environment-routes.js';
import { gateOf, gateReport } from './gate-route.js';
import type { Route } from './server.js';

/** How many deployments the page shows, newest first. */
export const PAGE_HISTORY = 20;

const ENV = '([^/]+)/([^/]+)';

/**
 * GET /environments/:app/:env — one environment: what it is, its gate, its history and what may
 * be done to it; POST /environments/:app/:env/<action> — those actions, through the same
 * functions as the JSON API's, back to the page with what happened (or why not).
 */
export function environmentPageRoutes(access: DashboardAccess, config: Config, store: EnvironmentStore & SignalStore, actions: EnvironmentActions): Route[] {
  const page = pageRoute(access, async ({ viewer }, app = '', name = '') => {
    const env = await findEnvironment(store, app, name);
    const history = await store.deploymentHistory(env.id, PAGE_HISTORY);
    const gated = gateOf(config, app, env);
    let gates: GateView[] | null = null;
    if (gated !== null) {
      const newest = history[0]?.sha ?? null;
      const wanted = [...new Map([[newest, 'the newest deployment'], [env.observedSha, 'running']]).entries()]
        .filter((entry): entry is [string, string] => entry[0] !== null);
      gates = await Promise.all(wanted.map(async ([sha, role]) => ({ sha, role, verdict: (await gateReport(store, app, name, gated, sha)).verdict })));
    }
    const appConfig = config.apps.find((candidate) => candidate.name === app);
    const body = environmentPage({
      env, links: RepoLinks.of(config.github.apiUrl, appConfig?.repo ?? null), history, gates, rollbackTo: rollbackCandidates(env, history),
      configured: appConfig !== undefined, viewer, now: Date.now(),
    });
    return { title: `${app}/${name}`, section: 'board', body };
  });
  const action = (verb: string, act: (form: URLSearchParams, app: string, name: string) => Promise<string>): Route => ({
    method: 'POST',
    path: new RegExp(`^/environments/${ENV}/${verb}$`),
    handler: actionRoute(access, environmentPath, async ({ form }, app = '', name = ''): Promise<ActionOutcome> => ({
      to: environmentPath(app, name),
      notice: await act(form, app, name),
    })),
  });
  return [
    { method: 'GET', path: new RegExp(`^/environments/${ENV}$`), handler: page },
    action('deploy', async (form, app, name) => {
      const change = await deployEnvironment(actions, app, name, parseDeployTarget(form.get('target') ?? ''));
      return change.kind === 'pin' ? `Deploying ${change.sha.slice(0, 12)} to ${app}/${name}.` : `${app}/${name} follows ${change.kind === 'follow' ? change.ref : 'its ref'} now.`;
    }),
    action('follow', async (_form, app, name) => {
      const change = await deployEnvironment(actions, app, name, { kind: 'refollow' });
      return `${app}/${name} follows ${change.kind === 'follow' ? change.ref : 'its ref'} again.`;
    }),
    action('rollback', async (form, app, name) => {
      const { to } = await rollbackEnvironment(actions, app, name, form.get('to') || null);
      return `Rolling ${app}/${name} back to ${to.slice(0, 12)}.`;
    }),
    action('extend', async (form, app, name) => {
      const expiresAt = await extendEnvironment(actions, app, name, form.get('by') ?? '');
      return `${app}/${name} now expires ${new Date(expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC.`;
    }),
    action('destroy', async (_form, app, name) => {
      await destroyEnvironment(actions, app, name);
      return `Destroying ${app}/${name}.`;
    }),
  ];
}
