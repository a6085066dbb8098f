import type { CommandReaction } from '../domain/commands.js';
import type { RepoCall } from './requests.js';

/** Puts `content` on an issue or pull request comment (GitHub keeps one of each kind per user). */
export async function reactToComment(call: RepoCall, commentId: number, content: CommandReaction): Promise<void> {
  await call.github.rest.reactions.createForIssueComment({ owner: call.owner, repo: call.repo, comment_id: commentId, content, request: call.request });
}
