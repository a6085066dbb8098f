import * as z from 'zod';
import { repositorySchema, toRepository } from '../events/common.js';
import type { PullRequestEvent, Repository } from '../events/domain.js';
import { normalizePullRequest } from '../events/pull-request.js';
import type { GitHubClients } from './client.js';
import { GitHubError } from './errors.js';
import { call, pages } from './pages.js';

/** A list read up to the page bound; `complete` is false when GitHub had more. */
export interface Listed<T> {
  items: T[];
  complete: boolean;
}

/**
 * What the sweep reads of a repository (`owner/name`) through GitHub's API. Every call throws
 * `GitHubError` when GitHub does not answer as expected: a failure is never an answer.
 */
export interface RepoState {
  repository(repo: string): Promise<Repository>;
  /** Open pull requests as a `synchronize` webhook would carry them, newest first. */
  openPullRequests(repo: string): Promise<Listed<PullRequestEvent>>;
  /** One pull request, open or closed, as a `synchronize` webhook would carry it. */
  pullRequest(repo: string, number: number): Promise<PullRequestEvent>;
  /** Branch names. */
  branches(repo: string): Promise<Listed<string>>;
  /** False only when GitHub answers 404 for the branch. */
  branchExists(repo: string, branch: string): Promise<boolean>;
}

export interface RepoStateOptions {
  clients: GitHubClients;
  signal: AbortSignal;
  /** Pages of 100 one list reads at most. */
  maxPages: number;
}

/** `RepoState` on the clients, for one run under its signal. */
export function repoState({ clients, signal, maxPages }: RepoStateOptions): RepoState {
  const target = async (repo: string) => {
    const [owner, name] = repo.split('/');
    return { octokit: await clients.forRepo(repo), params: { owner, repo: name } };
  };
  const list = async <T extends z.ZodType>(repo: string, route: string, query: Record<string, unknown>, item: T): Promise<Listed<z.output<T>>> => {
    const { octokit, params } = await target(repo);
    const items: z.output<T>[] = [];
    for await (const page of pages(octokit, route, { ...params, ...query, per_page: 100 }, item, { signal, maxPages })) {
      items.push(...page.items);
      if (!page.more) return { items, complete: true };
    }
    return { items, complete: false };
  };
  return {
    async repository(repo) {
      const { octokit, params } = await target(repo);
      return toRepository(await call(octokit, 'GET /repos/{owner}/{repo}', params, repositorySchema, { signal }));
    },
    async openPullRequests(repo) {
      const { items, complete } = await list(repo, 'GET /repos/{owner}/{repo}/pulls', { state: 'open', sort: 'created', direction: 'desc' }, z.unknown());
      return { items: items.map((pull) => asEvent(pull, repo)), complete };
    },
    async pullRequest(repo, number) {
      const { octokit, params } = await target(repo);
      return asEvent(await call(octokit, 'GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...params, pull_number: number }, z.unknown(), { signal }), repo);
    },
    async branches(repo) {
      const { items, complete } = await list(repo, 'GET /repos/{owner}/{repo}/branches', {}, z.object({ name: z.string() }));
      return { items: items.map((branch) => branch.name), complete };
    },
    async branchExists(repo, branch) {
      const { octokit, params } = await target(repo);
      try {
        await call(octokit, 'GET /repos/{owner}/{repo}/branches/{branch}', { ...params, branch }, z.unknown(), { signal });
        return true;
      } catch (error) {
        if (error instanceof GitHubError && error.code === 'github_not_found') return false;
        throw error;
      }
    },
  };
}

/**
 * A pull request from the REST API has the fields of a webhook's `pull_request`, so it
 * becomes the same domain event, validated by the same schema.
 */
function asEvent(pull: unknown, repo: string): PullRequestEvent {
  const fields = (pull ?? {}) as { number?: unknown; base?: { repo?: unknown }; user?: unknown };
  const payload = { action: 'synchronize', number: fields.number, pull_request: pull, repository: fields.base?.repo, sender: fields.user ?? { login: 'ghost' } };
  try {
    return normalizePullRequest(payload);
  } catch (error) {
    throw new GitHubError('github_invalid_response', `a pull request of ${repo} has an unexpected shape: ${(error as Error).message}`);
  }
}
