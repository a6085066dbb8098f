import type { EnvironmentConfig } from '../config/schema.js';
import { ENVIRONMENT_STATES, type EnvironmentState, type Environment } from '../domain/environments.js';

/** How the board groups an app's environments, in the order it shows them. */
export const GROUPS = ['production', 'staging', 'branches', 'previews'] as const;
export type Group = (typeof GROUPS)[number];

export const GROUP_TITLES: Record<Group, string> = {
  production: 'Production',
  staging: 'Staging and other fixed environments',
  branches: 'Branches',
  previews: 'Pull request previews',
};

/**
 * Where an environment goes on the board: a pull request's is a preview; one of a branch template
 * (`br-{branch}`) a branch environment; `production`, `prod` or one following releases production;
 * any other fixed one (staging, qa) with staging. `rule` is its configured environment, when known.
 */
export function groupOf(env: Pick<Environment, 'name' | 'pr' | 'rule'>, rule: EnvironmentConfig | null): Group {
  const kind = rule?.track.kind;
  if (env.pr !== null || kind === 'pullRequests') return 'previews';
  if (kind === 'branches' || env.rule?.includes('{') === true) return 'branches';
  if (env.name === 'production' || env.name === 'prod' || kind === 'release') return 'production';
  return 'staging';
}

/** What the board shows: one app's, one state's, and those a text matches. */
export interface BoardFilter {
  app: string | null;
  state: EnvironmentState | null;
  /** Matched against the name, branch, pull request number, running sha (a prefix) and URL; '' matches all. */
  text: string;
}

/** Longer search text is a mistake, not a search. */
const MAX_TEXT = 200;

/**
 * The filter in a board address (`?app=…&state=…&q=…`). A value that cannot be (an unknown app or
 * state) is left out of the filter and named in `problem`, with what it could be.
 */
export function parseBoardFilter(params: URLSearchParams, apps: readonly string[]): { filter: BoardFilter; problem: string | null } {
  const problems: string[] = [];
  const app = params.get('app') ?? '';
  const state = params.get('state') ?? '';
  const text = (params.get('q') ?? '').trim();
  const knownApp = app === '' || apps.includes(app);
  if (!knownApp) problems.push(`there is no app "${app}"; ${apps.length === 0 ? 'no apps are configured' : `expected one of: ${apps.join(', ')}`}`);
  const knownState = ENVIRONMENT_STATES.find((candidate) => candidate === state);
  if (state !== '' && knownState === undefined) problems.push(`"${state}" is not a state; expected one of: ${ENVIRONMENT_STATES.join(', ')}`);
  if (text.length > MAX_TEXT) problems.push(`the search text is at most ${MAX_TEXT} characters`);
  return {
    filter: { app: app === '' || !knownApp ? null : app, state: knownState ?? null, text: text.length > MAX_TEXT ? '' : text },
    problem: problems.length === 0 ? null : `${problems.join('; ')}. The rest of the filter applies.`,
  };
}

export function matchesFilter(env: Environment, filter: BoardFilter): boolean {
  if (filter.app !== null && env.app !== filter.app) return false;
  if (filter.state !== null && env.state !== filter.state) return false;
  if (filter.text === '') return true;
  const text = filter.text.toLowerCase();
  const number = /^#?([0-9]+)$/.exec(text)?.[1];
  return (
    env.name.includes(text) ||
    env.branch?.toLowerCase().includes(text) === true ||
    (number !== undefined && env.pr === Number(number)) ||
    (/^[0-9a-f]+$/.test(text) && env.observedSha?.startsWith(text) === true) ||
    env.url?.toLowerCase().includes(text) === true
  );
}
