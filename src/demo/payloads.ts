/**
 * The webhooks the demo sends, shaped like GitHub's for a repository whose `clone_url` is a
 * local repository. They carry the fields slipway reads and the ones around them a reader of
 * GitHub's payloads would expect. Links GitHub would make to its web pages point into the
 * local repository's URL instead: the demo has no web pages, and no link goes to github.com.
 */

export type WebhookEvent = 'push' | 'pull_request' | 'release';

/** One webhook: the `X-GitHub-Event` header and the JSON body. */
export interface Webhook {
  event: WebhookEvent;
  payload: Record<string, unknown>;
}

/** The repository the payloads are about. */
export interface PayloadRepository {
  /** `owner/name` */
  fullName: string;
  /** Where slipway fetches it from: the local repository's `file://` URL. */
  cloneUrl: string;
}

const ZERO_SHA = '0'.repeat(40);
const REPOSITORY_ID = 1;
const SENDER = { login: 'newcomer', id: 2, type: 'User' };
const AUTHOR = { name: 'newcomer', email: 'newcomer@slipway.invalid', username: 'newcomer' };

function link(repo: PayloadRepository, page: string): string {
  return `${repo.cloneUrl}#${page}`;
}

function repository(repo: PayloadRepository) {
  const [owner = '', name = ''] = repo.fullName.split('/');
  return {
    id: REPOSITORY_ID,
    name,
    full_name: repo.fullName,
    private: false,
    owner: { login: owner, id: 1, type: 'Organization' },
    html_url: repo.cloneUrl,
    description: 'the slipway demo app',
    fork: false,
    clone_url: repo.cloneUrl,
    default_branch: 'main',
  };
}

export interface Push {
  branch: string;
  /** The branch's tip before the push; null when the push created the branch. */
  before: string | null;
  after: string;
  message: string;
  at: Date;
}

/** `push`: `branch` moved from `before` to `after` (one commit). */
export function pushWebhook(repo: PayloadRepository, push: Push): Webhook {
  const before = push.before ?? ZERO_SHA;
  const commit = {
    id: push.after,
    distinct: true,
    message: push.message,
    timestamp: push.at.toISOString(),
    url: link(repo, `commit/${push.after}`),
    author: AUTHOR,
    committer: AUTHOR,
    added: [],
    removed: [],
    modified: [],
  };
  return {
    event: 'push',
    payload: {
      ref: `refs/heads/${push.branch}`,
      before,
      after: push.after,
      repository: repository(repo),
      pusher: { name: AUTHOR.name, email: AUTHOR.email },
      sender: SENDER,
      created: push.before === null,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: link(repo, `compare/${before.slice(0, 12)}...${push.after.slice(0, 12)}`),
      commits: [commit],
      head_commit: commit,
    },
  };
}

export interface PullRequestChange {
  action: 'opened' | 'synchronize' | 'closed';
  number: number;
  title: string;
  head: { branch: string; sha: string };
  base: { branch: string; sha: string };
  /** GitHub's `updated_at`: slipway orders one pull request's deliveries by it, so it must grow. */
  updatedAt: Date;
}

/** `pull_request` from a branch of the same repository (not a fork); `closed` is closed without merging. */
export function pullRequestWebhook(repo: PayloadRepository, change: PullRequestChange): Webhook {
  const closed = change.action === 'closed';
  const side = (branch: string, sha: string) => ({
    label: `${repo.fullName.split('/')[0] ?? ''}:${branch}`,
    ref: branch,
    sha,
    user: SENDER,
    repo: repository(repo),
  });
  return {
    event: 'pull_request',
    payload: {
      action: change.action,
      number: change.number,
      pull_request: {
        id: change.number,
        number: change.number,
        html_url: link(repo, `pull/${change.number}`),
        state: closed ? 'closed' : 'open',
        locked: false,
        title: change.title,
        user: SENDER,
        body: null,
        updated_at: change.updatedAt.toISOString(),
        closed_at: closed ? change.updatedAt.toISOString() : null,
        merged_at: null,
        merged: false,
        draft: false,
        labels: [],
        head: side(change.head.branch, change.head.sha),
        base: side(change.base.branch, change.base.sha),
        author_association: 'OWNER',
      },
      repository: repository(repo),
      sender: SENDER,
    },
  };
}

export interface PublishedRelease {
  tag: string;
  /** The branch the tag was made on. */
  target: string;
  name: string;
  at: Date;
}

/** `release` published: a full release (not a draft or a prerelease) of `tag`. */
export function releaseWebhook(repo: PayloadRepository, release: PublishedRelease): Webhook {
  return {
    event: 'release',
    payload: {
      action: 'published',
      release: {
        id: 1,
        tag_name: release.tag,
        target_commitish: release.target,
        name: release.name,
        body: null,
        draft: false,
        prerelease: false,
        html_url: link(repo, `releases/tag/${release.tag}`),
        author: SENDER,
        created_at: release.at.toISOString(),
        published_at: release.at.toISOString(),
      },
      repository: repository(repo),
      sender: SENDER,
    },
  };
}
