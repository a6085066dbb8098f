import { ENVIRONMENT_STATES, type DeploymentOutcome, type Environment } from '../domain/environments.js';
import { GROUPS, GROUP_TITLES, type BoardFilter, type Group } from './board.js';
import { environmentCard } from './environment-card.js';
import { html, type Html } from './html.js';
import type { RepoLinks } from './links.js';

/** One app's section of the board. */
export interface BoardApp {
  name: string;
  links: RepoLinks;
  /** Its environments that pass the filter, with the group each goes in. */
  environments: { env: Environment; group: Group }[];
  /** Whether it has any environment at all, filtered or not. */
  empty: boolean;
}

export interface Board {
  apps: BoardApp[];
  /** Every app there is (configured, or with environments in the store), for the filter. */
  appNames: string[];
  filter: BoardFilter;
  /** What was wrong with the filter asked for; null when nothing. */
  problem: string | null;
  /** How many environments there are before filtering, and how many are shown. */
  total: number;
  shown: number;
  /** Each shown environment's latest deployments, newest first, by environment id. */
  latest: Map<number, DeploymentOutcome[]>;
  now: number;
}

/**
 * The board: a filter form (outside the live part, so that typing is kept), then every app
 * with its environments as cards in groups. The cards refresh as environments and deployments change.
 */
export function boardPage(board: Board): Html {
  // An app without environments shows that it has none, unless the filter looks elsewhere.
  const { filter } = board;
  const unfiltered = filter.state === null && filter.text === '';
  const sections = board.apps
    .filter((app) => app.environments.length > 0 || (app.empty && unfiltered && (filter.app === null || filter.app === app.name)))
    .map((app) => appSection(app, board));
  const empty = board.total === 0
    ? html`<p>No environments yet: they appear as webhooks arrive, or with <code>slipway deploy</code>.</p>`
    : board.shown === 0 ? html`<p>No environment matches the filter. <a href="/">Show all</a></p>` : '';
  return html`<h1>Environments</h1>
${board.problem === null ? '' : html`<p class="problem" role="alert">${board.problem}</p>`}
${filterForm(board)}
<div data-live="environments deployments">
<p class="muted">${board.shown} of ${board.total} environment${board.total === 1 ? '' : 's'}</p>
${empty}${sections}
</div>`;
}

function filterForm({ appNames, filter }: Board): Html {
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  const apps = appNames.map((name) => option(name, name, filter.app === name));
  const states = ENVIRONMENT_STATES.map((state) => option(state, state, filter.state === state));
  return html`<form class="filters" method="get" action="/" role="search" aria-label="Filter environments">
<label for="filter-app">App<select id="filter-app" name="app">${option('', 'All apps', filter.app === null)}${apps}</select></label>
<label for="filter-state">State<select id="filter-state" name="state">${option('', 'Any state', filter.state === null)}${states}</select></label>
<label for="filter-q">Name, branch, PR, commit or URL<input id="filter-q" name="q" type="search" value="${filter.text}"></label>
<button type="submit">Filter</button>${filter.app === null && filter.state === null && filter.text === '' ? '' : html` <a href="/">Clear</a>`}
</form>`;
}

function appSection(app: BoardApp, board: Board): Html {
  const id = `app-${app.name}`;
  const groups = GROUPS.map((group) => {
    const cards = app.environments.filter((entry) => entry.group === group)
      .map(({ env }) => environmentCard(env, board.latest.get(env.id) ?? [], app.links, board.now));
    return cards.length === 0 ? '' : html`<h3 class="group">${GROUP_TITLES[group]}</h3><ul class="cards">${cards}</ul>`;
  });
  const none = app.empty ? html`<p class="muted">No environments yet.</p>` : '';
  return html`<section class="app" aria-labelledby="${id}"><h2 id="${id}">${app.name}</h2>${none}${groups}</section>`;
}
