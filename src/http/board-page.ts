import type { Config } from '../config/schema.js';
import { ruleOf } from '../policy/rules.js';
import type { EnvironmentStore } from '../store/store.js';
import { groupOf, matchesFilter, parseBoardFilter } from '../ui/board.js';
import { boardPage, type BoardApp } from '../ui/board-page.js';
import { STRIP_LENGTH } from '../ui/environment-card.js';
import { RepoLinks } from '../ui/links.js';
import { pageRoute, type DashboardAccess } from './dashboard.js';
import type { Route } from './server.js';

/**
 * GET / — the board: every app (configured, or with environments in the store) with its
 * environments as cards, filtered by `?app=`, `?state=` and `?q=`. Two reads of the store
 * whatever the number of environments: the environments, and their latest deployments.
 */
export function boardRoutes(access: DashboardAccess, config: Config, store: EnvironmentStore): Route[] {
  const render = pageRoute(access, async ({ url }) => {
    // The config's apps change in place on a reload, so they are read on every request.
    const configured = config.apps.map((app) => app.name);
    // Destroyed environments are history: listed only when asked for by their state.
    const asked = url.searchParams.get('state');
    const environments = await store.listEnvironments({ includeDestroyed: asked === 'destroyed' });
    const stored = [...new Set(environments.map((env) => env.app))].filter((name) => !configured.includes(name)).sort();
    const appNames = [...configured, ...stored];
    const { filter, problem } = parseBoardFilter(url.searchParams, appNames);
    const shown = environments.filter((env) => matchesFilter(env, filter));
    const latest = await store.latestDeployments(shown.map((env) => env.id), STRIP_LENGTH);
    const apps: BoardApp[] = appNames.map((name) => {
      const appConfig = config.apps.find((app) => app.name === name);
      return {
        name,
        links: RepoLinks.of(config.github.apiUrl, appConfig?.repo ?? null),
        environments: shown.filter((env) => env.app === name).map((env) => ({ env, group: groupOf(env, appConfig === undefined ? null : ruleOf(appConfig, env)) })),
        empty: !environments.some((env) => env.app === name),
      };
    });
    const body = boardPage({ apps, appNames, filter, problem, total: environments.length, shown: shown.length, latest, now: Date.now() });
    return { title: 'Environments', section: 'board', body, ...(problem === null ? {} : { status: 400 }) };
  });
  return [{ method: 'GET', path: '/', handler: render }];
}
