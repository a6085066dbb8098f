import { createAppAuth } from '@octokit/auth-app';
import type { GitHub, MakeClient } from './client.js';
import { GitHubError, toGitHubError } from './errors.js';

/** How long the installation found for a repository is trusted before it is looked up again. */
const INSTALLATION_TTL_MS = 3_600_000;

export interface AppClients {
  forRepo(repo: string): Promise<GitHub>;
  forApp(): GitHub;
  gitToken(repo: string): Promise<string>;
}

/**
 * A GitHub App's clients: the App itself (JWT), and one client per installation, found per
 * repository with `GET /repos/{owner}/{repo}/installation`. Installation tokens are cached and
 * renewed `renewalMs` before the `expires_at` GitHub gave them.
 */
export function appInstallations(make: MakeClient, app: { appId: number; privateKey: string }, renewalMs: number): AppClients {
  const cache = renewingTokenCache(renewalMs);
  const strategy = (installationId?: number) => ({
    authStrategy: createAppAuth,
    auth: { appId: app.appId, privateKey: app.privateKey, cache, ...(installationId === undefined ? {} : { installationId }) },
  });
  const appClient = make({ octokitAuth: strategy(), identity: `app:${app.appId}` });
  const installations = new Map<string, { id: Promise<number>; at: number }>();
  const clients = new Map<number, GitHub>();

  async function lookUp(repo: string): Promise<number> {
    const [owner = '', name = ''] = repo.split('/');
    try {
      return (await appClient.rest.apps.getRepoInstallation({ owner, repo: name })).data.id;
    } catch (error) {
      if (error instanceof GitHubError && error.code === 'github_not_found') {
        throw new GitHubError('github_not_found', `the GitHub App is not installed on ${repo}; install it on that repository (or its owner) in GitHub's settings`);
      }
      throw error;
    }
  }

  function installationOf(repo: string): Promise<number> {
    const known = installations.get(repo);
    if (known !== undefined && Date.now() - known.at < INSTALLATION_TTL_MS) return known.id;
    const id = lookUp(repo);
    installations.set(repo, { id, at: Date.now() });
    id.catch(() => installations.delete(repo));
    return id;
  }

  async function forRepo(repo: string): Promise<GitHub> {
    const id = await installationOf(repo);
    let client = clients.get(id);
    if (client === undefined) {
      client = make({ octokitAuth: strategy(id), identity: `installation:${id}` });
      clients.set(id, client);
    }
    return client;
  }

  return {
    forRepo,
    forApp: () => appClient,
    async gitToken(repo) {
      const client = await forRepo(repo);
      try {
        const { token } = (await client.auth({ type: 'installation' })) as { token: string };
        return token;
      } catch (error) {
        throw toGitHubError(error, `creating an installation token for ${repo}`);
      }
    },
  };
}

/**
 * auth-app's token cache, keyed by installation, that forgets a token `renewalMs` before its
 * `expires_at` (auth-app's own cache keeps tokens 59 minutes whatever GitHub said). Values are
 * auth-app's `token|createdAt|expiresAt|…` lines; '' means "none".
 */
function renewingTokenCache(renewalMs: number) {
  const tokens = new Map<string, string>();
  return {
    get(key: string): string {
      const value = tokens.get(key) ?? '';
      const expiresAt = Date.parse(value.split('|')[2] ?? '');
      if (Number.isFinite(expiresAt) && expiresAt - Date.now() > renewalMs) return value;
      tokens.delete(key);
      return '';
    },
    set(key: string, value: string): void {
      tokens.set(key, value);
    },
  };
}
