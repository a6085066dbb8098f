import type { EnvironmentStore } from '../store/store.js';
import { overviewFigures, overviewSince } from '../ui/overview-figures.js';
import { overviewPage } from '../ui/overview-page.js';
import { pageRoute, type DashboardAccess } from './dashboard.js';
import type { Route } from './server.js';

/** GET /overview — the last day's deployments per hour by outcome, and how long webhooks took to be ready. */
export function overviewPageRoutes(access: DashboardAccess, store: EnvironmentStore): Route[] {
  return [
    {
      method: 'GET',
      path: '/overview',
      handler: pageRoute(access, async () => {
        const now = Date.now();
        const figures = overviewFigures(await store.finishedDeployments(overviewSince(now)), now);
        return { title: 'Overview', section: 'overview', body: overviewPage(figures) };
      }),
    },
  ];
}
