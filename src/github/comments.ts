import { COMMENT_MARKER } from './pr-comment.js';
import { isGone, type RepoCall } from './requests.js';

/**
 * slipway's preview comment on a pull request: edited in place when `knownId` still exists,
 * else found by its marker (after a restart that lost the id), else created. Resolves to its id.
 */
export async function upsertComment(call: RepoCall, pr: number, knownId: number | null, body: string): Promise<number> {
  const id = knownId ?? (await findComment(call, pr));
  if (id !== null) {
    try {
      await call.github.rest.issues.updateComment({ owner: call.owner, repo: call.repo, comment_id: id, body, request: call.request });
      return id;
    } catch (error) {
      // Someone deleted it: write a new one.
      if (!isGone(error)) throw error;
    }
  }
  const { data } = await call.github.rest.issues.createComment({ owner: call.owner, repo: call.repo, issue_number: pr, body, request: call.request });
  return data.id;
}

/** The id of the comment on the pull request that starts with slipway's marker, reading every page. */
async function findComment(call: RepoCall, pr: number): Promise<number | null> {
  const pages = call.github.paginate.iterator(call.github.rest.issues.listComments, {
    owner: call.owner,
    repo: call.repo,
    issue_number: pr,
    per_page: 100,
    request: call.request,
  });
  for await (const { data } of pages) {
    const found = data.find((comment) => comment.body?.startsWith(COMMENT_MARKER) === true);
    if (found !== undefined) return found.id;
  }
  return null;
}
