import { z } from 'zod';
import { envelope, envelopeShape, type Covers, type OfficialPayload } from './common.js';
import type { IssueCommentEvent } from './domain.js';
import { parsePayload } from './parse.js';

const issueCommentSchema = z.object({
  ...envelopeShape,
  action: z.string(),
  issue: z.object({
    number: z.number(),
    // Present only when the issue is a pull request.
    pull_request: z.object({ url: z.string().optional() }).nullish(),
  }),
  comment: z.object({
    id: z.number(),
    body: z.string(),
    user: z.object({ login: z.string() }).nullable(),
    author_association: z.string(),
  }),
});

export type GithubIssueCommentPayload = Covers<OfficialPayload<'issue-comment'>, z.input<typeof issueCommentSchema>>;

export function normalizeIssueComment(payload: unknown): IssueCommentEvent {
  const p = parsePayload('issue_comment', issueCommentSchema, payload);
  return {
    kind: 'issue_comment',
    ...envelope(p),
    action: p.action,
    number: p.issue.number,
    pullRequest: p.issue.pull_request != null,
    commentId: p.comment.id,
    body: p.comment.body,
    author: p.comment.user?.login ?? null,
    authorAssociation: p.comment.author_association,
  };
}
