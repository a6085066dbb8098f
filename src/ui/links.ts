import { html, type Html } from './html.js';

/** The dashboard page of an environment. */
export function environmentPath(app: string, env: string): string {
  return `/environments/${encodeURIComponent(app)}/${encodeURIComponent(env)}`;
}

/**
 * GitHub's web address for its REST API's (`github.apiUrl`): `https://api.github.com` →
 * `https://github.com`, GitHub Enterprise Server's `https://host/api/v3` → `https://host`, and
 * GHE.com's `https://api.<name>.ghe.com` → `https://<name>.ghe.com`.
 */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/api\/v3$/.test(path)) return `${url.origin}${path.slice(0, -'/api/v3'.length)}`;
  if (url.hostname.startsWith('api.')) return `${url.protocol}//${url.host.slice('api.'.length)}${path}`;
  return `${url.origin}${path}`;
}

/** Links to a repository's pages on GitHub; null `repoUrl` (an app no longer configured) gives the text alone. */
export class RepoLinks {
  constructor(private readonly repoUrl: string | null) {}

  /** For `owner/name` on the GitHub whose API is `apiUrl`. */
  static of(apiUrl: string, repo: string | null): RepoLinks {
    return new RepoLinks(repo === null ? null : `${githubWebUrl(apiUrl)}/${repo}`);
  }

  /** A commit, shown by its first 7 characters (the whole sha in its title). */
  commit(sha: string | null): Html {
    if (sha === null) return html`<span class="muted">—</span>`;
    const text = html`<code title="${sha}">${sha.slice(0, 7)}</code>`;
    return this.repoUrl === null ? text : html`<a href="${this.repoUrl}/commit/${encodeURIComponent(sha)}">${text}</a>`;
  }

  pull(number: number): Html {
    return this.repoUrl === null ? html`#${number}` : html`<a href="${this.repoUrl}/pull/${number}">#${number}</a>`;
  }

  branch(name: string): Html {
    const path = name.split('/').map(encodeURIComponent).join('/');
    return this.repoUrl === null ? html`${name}` : html`<a href="${this.repoUrl}/tree/${path}">${name}</a>`;
  }
}

/** An environment's own address as a link, when it is a web address (anything else is shown as text). */
export function siteLink(url: string | null): Html {
  if (url === null) return html`<span class="muted">—</span>`;
  return /^https?:\/\//i.test(url) ? html`<a href="${url}">${url}</a>` : html`${url}`;
}
